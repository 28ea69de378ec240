import { invalidValue } from '../errors.js'

/**
 * Keys that reach `Object.prototype` or a constructor when a document is merged or assigned
 * naively. Attribute names are case-insensitive (RFC 7643 §2.1), so every spelling is refused.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** A JSON object as `JSON.parse` makes it: not an array, not a class instance, not null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

interface Frame {
  readonly value: object
  readonly parent: Frame | undefined
  readonly key: string | number | undefined
  readonly depth: number
}

/** `emails[0].value`, built only when a fault is reported. */
function pathOf(frame: Frame | undefined, root: string, key?: string | number): string {
  const parts: Array<string | number> = key === undefined ? [] : [key]
  for (let f = frame; f?.key !== undefined; f = f.parent) parts.push(f.key)
  let text = root
  for (const part of parts.reverse()) {
    text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`
  }
  return text
}

/**
 * Refuses `__proto__`, `constructor` and `prototype` keys at any depth (only plain JSON objects
 * are accepted: docs/design.md, *Untrusted input*), and optionally nesting deeper than
 * `maxDepth` containers. Walks with an explicit stack, so hostile nesting cannot overflow the
 * call stack.
 */
export function assertSafeObject(value: unknown, path = '', limits: { maxDepth?: number } = {}): void {
  if (value === null || typeof value !== 'object') return
  const maxDepth = limits.maxDepth ?? Infinity
  const seen = new WeakSet<object>()
  const stack: Frame[] = [{ value, parent: undefined, key: undefined, depth: 1 }]
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (seen.has(frame.value)) continue
    seen.add(frame.value)
    if (frame.depth > maxDepth) {
      throw invalidValue(`${pathOf(frame, path) || 'value'}: nested deeper than ${maxDepth} levels`)
    }
    if (Array.isArray(frame.value)) {
      const items: unknown[] = frame.value
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i]
        if (item !== null && typeof item === 'object') {
          stack.push({ value: item, parent: frame, key: i, depth: frame.depth + 1 })
        }
      }
      continue
    }
    const record = frame.value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (FORBIDDEN_KEYS.has(key.toLowerCase())) {
        throw invalidValue(`${pathOf(frame, path, key)}: the key '${key}' is not allowed`)
      }
      const item = record[key]
      if (item !== null && typeof item === 'object') {
        stack.push({ value: item, parent: frame, key, depth: frame.depth + 1 })
      }
    }
  }
}

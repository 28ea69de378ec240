/** Plain JSON values as PATCH sees them, and case-insensitive member access (RFC 7643 §2.1). */

export type JsonObject = Record<string, unknown>

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * RFC 7643 §2.5: an unassigned attribute, `null` and an empty array are the same state, so a
 * PATCH that produces any of them leaves the attribute out.
 */
export const isUnassigned = (value: unknown): boolean =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0)

export const asArray = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : isUnassigned(value) ? [] : [value]

/** The key holding `name` in any case; the exact spelling wins when both exist. */
export function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name
  const lower = name.toLowerCase()
  return Object.keys(object).find((key) => key.toLowerCase() === lower)
}

export function getMember(object: JsonObject | undefined, name: string): unknown {
  if (object === undefined) return undefined
  const key = findKey(object, name)
  return key === undefined ? undefined : object[key]
}

/** Sets `name` under its canonical spelling, dropping a differently-cased copy. */
export function setMember(object: JsonObject, name: string, value: unknown): void {
  const key = findKey(object, name)
  if (key !== undefined && key !== name) delete object[key]
  Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true })
}

export function deleteMember(object: JsonObject, name: string): void {
  const key = findKey(object, name)
  if (key !== undefined) delete object[key]
}

/** Structural equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]))
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
}

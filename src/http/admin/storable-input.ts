/**
 * Text no store can keep (U+0000, unpaired surrogates: scim/json/unicode-text.ts) is refused at
 * the door of the admin API, so no query ever carries it: PostgreSQL would fail the statement,
 * and a bad input must never be a 500. The SCIM routes do the same in the protocol core.
 */
import type { FastifyRequest } from 'fastify'
import { invalidValue, notFound } from '../../scim/errors.js'
import { unstorableText } from '../../scim/json/unicode-text.js'

/** 400 naming where, for the first string (value or key) in `value` that cannot be stored. */
export function assertStorableText(value: unknown, path: string): void {
  const stack: { value: unknown; path: string }[] = [{ value, path }]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: v, path: at } = item
    if (typeof v === 'string') {
      const what = unstorableText(v)
      if (what) throw invalidValue(`${at}: holds ${what}, which cannot be stored`)
    } else if (Array.isArray(v)) {
      v.forEach((entry, i) => stack.push({ value: entry, path: `${at}[${i}]` }))
    } else if (v !== null && typeof v === 'object') {
      for (const [key, entry] of Object.entries(v)) {
        const what = unstorableText(key)
        if (what) throw invalidValue(`${at}: a field name holds ${what}`)
        stack.push({ value: entry, path: `${at}.${key}` })
      }
    }
  }
}

/**
 * Path parameters name stored things; one no store can hold names nothing (404, as an unknown
 * id). Query parameters are input, refused like a body's (400).
 */
export async function refuseUnstorableInput(request: FastifyRequest): Promise<void> {
  for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && unstorableText(value)) throw notFound(`${name}: nothing is named ${JSON.stringify(value)}`)
  }
  assertStorableText(request.query, 'query')
}

/**
 * Text that no store can keep as it was sent: U+0000 (PostgreSQL's `text` and `jsonb` refuse
 * it) and UTF-16 surrogates without their pair (JSON lets `"\ud800"` through, but it is not
 * Unicode text: PostgreSQL refuses it, SQLite would store replacement bytes). Refused in the
 * core, before any store sees a value, so every store gives the same answer.
 */

/** Cheap first look: most strings have neither character and take one scan. */
const SUSPECT = /[\u0000\uD800-\uDFFF]/
const UNPAIRED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** What `text` holds that cannot be stored, as a noun phrase for messages; undefined if nothing. */
export function unstorableText(text: string): string | undefined {
  if (!SUSPECT.test(text)) return undefined
  if (text.includes('\u0000')) return 'the character U+0000'
  if (UNPAIRED.test(text)) return 'an unpaired UTF-16 surrogate (not Unicode text)'
  return undefined
}

/**
 * The one case folding of Roster. RFC 7643 §2.1 makes most string attributes case-insensitive;
 * the store keeps folded copies of the ones it indexes (`userName`, `displayName`) and folds
 * filter values the same way, so a comparison is a plain `=` the index can answer.
 *
 * NFC first, so "Å" typed as A + combining ring equals the precomposed "Å"; then the Unicode
 * lower-case mapping, which (unlike SQLite's `lower()`) covers non-ASCII letters.
 */
export const fold = (s: string): string => s.normalize('NFC').toLowerCase()

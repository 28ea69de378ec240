/**
 * The one case folding of Roster. RFC 7643 §2.1 makes most string attributes case-insensitive;
 * the evaluator folds both sides, and the store keeps folded copies of the values it indexes and
 * folds filter values the same way, so a comparison is a plain `=` an index can answer.
 *
 * NFC first, so "Å" typed as A + combining ring equals the precomposed "Å"; then the Unicode
 * lower-case mapping, which (unlike SQLite's `lower()`) covers non-ASCII letters.
 */
export const foldCase = (s: string): string => s.normalize('NFC').toLowerCase()

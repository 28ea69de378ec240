/**
 * A database migrated by a newer Roster may hold tables and rows this code would misread or
 * damage: every store refuses it, whichever command opened it.
 */
export function newerSchema(found: number, known: number): Error {
  return new Error(
    `database schema version ${found} is newer than this Roster (which knows up to ${known}); ` +
      'run the Roster version that migrated it, or a newer one',
  )
}

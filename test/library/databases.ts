/**
 * Databases for the library tests, named by URL as a host application names its own: a SQLite
 * file in a temporary directory, and a PostgreSQL schema of its own (when PostgreSQL answers;
 * see test/helpers/test-postgres.ts). Each can be opened again by a second Roster, in this
 * process or another, which the restart and two-process tests need.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testPostgres } from '../helpers/test-postgres.js'

const postgres = await testPostgres()

export interface Database {
  readonly url: string
  drop(): Promise<void>
}

export const DATABASES: readonly { name: string; create: () => Promise<Database> }[] = [
  {
    name: 'sqlite',
    create: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'roster-library-'))
      return { url: join(dir, 'roster.db'), drop: () => rm(dir, { recursive: true, force: true }) }
    },
  },
  ...(postgres.available
    ? [
        {
          name: 'postgres',
          create: async () => {
            const scratch = await postgres.postgres.scratchSchema()
            return { url: scratch.url, drop: scratch.drop }
          },
        },
      ]
    : []),
]

/** Waits until `check` holds, looking every 10 ms; fails after `limitMs` with `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

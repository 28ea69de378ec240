/**
 * The PostgreSQL database a benchmark run uses: a scratch database of its own on the server
 * that `--database postgres://…` names, created through an admin connection to the `postgres`
 * database and dropped at the end. The database named in the URL is never touched, so pointing
 * the benchmark at a server that holds real data cannot harm that data.
 */
import pg from 'pg'
import { redactDatabaseUrl } from '../src/store/postgres/database-url.js'

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url)
}

/** `roster_bench_<pid>`: a run's own name, and a plain identifier that needs no quoting. */
export function scratchName(pid: number): string {
  return `roster_bench_${pid}`
}

/** The URL with its database replaced by `database` (user, password, host, port, query kept). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.href
}

export interface ScratchDatabase {
  name: string
  url: string
  /** Safe to call more than once; never throws (the run's results matter more). */
  drop(): Promise<string | undefined>
}

export async function createScratchDatabase(url: string, pid = process.pid): Promise<ScratchDatabase> {
  const name = scratchName(pid)
  const adminUrl = withDatabase(url, 'postgres')
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 })
    client.on('error', () => undefined)
    await client.connect()
    try {
      return await work(client)
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  try {
    // A killed run of the same pid may have left it: it is ours by name, so it goes.
    await admin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.query(`CREATE DATABASE ${name}`)
    })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(`could not create the scratch database ${name} on ${redactDatabaseUrl(adminUrl)}: ${message}`)
  }
  let dropped = false
  return {
    name,
    url: withDatabase(url, name),
    async drop() {
      if (dropped) return undefined
      dropped = true
      try {
        await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
        return undefined
      } catch (error) {
        return `could not drop ${name}: ${error instanceof Error ? error.message : String(error)}`
      }
    },
  }
}

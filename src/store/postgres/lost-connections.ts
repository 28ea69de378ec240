/**
 * Connections PostgreSQL drops (a terminated backend, a restart, a reset socket): they must
 * neither end the process nor make Roster answer a write falsely.
 *
 * A write whose connection is lost after its COMMIT (or its autocommit insert) was sent may
 * have committed or not; answering 503 for one that committed would make the client retry a
 * write that happened. So Roster finds out, on fresh connections: it first makes sure the lost
 * connection's backend can no longer commit anything (ending it with `pg_terminate_backend`,
 * which PostgreSQL holds off while a COMMIT is being written, so a commit in progress finishes),
 * then looks at what stayed. A transaction is looked up by its id (`pg_xact_status`), read when
 * it began; an insert statement by the rows it was writing, whose ids Roster chose (fresh UUIDs,
 * so a row with one can only be that insert's). Only when the database cannot be asked for
 * SETTLE_MS does the write fail with 503 while its outcome is unknown.
 */
import type pg from 'pg'
import { DatabaseUnavailableError } from '../database-unavailable.js'
import { classifyPostgresError, isConnectionError } from './errors.js'

/** How long a write whose outcome is unknown keeps asking before it gives up with 503. */
export const SETTLE_MS = 10_000
/**
 * Between two looks, doubling up to the last: a terminated backend is gone within milliseconds,
 * and a database that refuses connections is not asked hundreds of times.
 */
const FIRST_PAUSE_MS = 10
const LAST_PAUSE_MS = 500

/**
 * Every client of `pool` has an 'error' listener from its connection to its end. pg-pool
 * listens only while a client is idle in the pool and takes its listener off a client it hands
 * out; a client whose backend is terminated between two queries (the FATAL arrives with no
 * query to fail) emits 'error', which without a listener ends the process. Nothing is lost by
 * swallowing it here: the client is no longer queryable, so its holder's next query fails with a
 * connection error (503), and the pool discards it when it is released.
 */
export function handleClientErrors(pool: pg.Pool): void {
  const ignore = () => undefined
  // Errors of idle clients: pg-pool has already removed the client; the next query opens another.
  pool.on('error', ignore)
  pool.on('connect', (client) => client.on('error', ignore))
}

/** The process id of the client's backend, as PostgreSQL sent it when the connection opened. */
export function backendPid(client: pg.ClientBase): number | undefined {
  // pg keeps it (for cancel requests) without declaring it in its types.
  const pid = (client as unknown as { processID?: unknown }).processID
  return typeof pid === 'number' ? pid : undefined
}

/**
 * `BEGIN`, and the id the transaction will commit under, in one round trip (two statements in
 * one simple query: pg answers with a result for each). Asking for the id assigns one at once
 * rather than at the first write; a transaction that writes nothing then commits a WAL record
 * but does not wait for it to be flushed.
 */
export async function begin(client: pg.ClientBase): Promise<string> {
  type Results = pg.QueryResult<{ xid: string }>[]
  const results = (await client.query('BEGIN; SELECT pg_current_xact_id()::text AS xid')) as unknown as Results
  const xid = results[1]?.rows[0]?.xid
  if (xid === undefined) throw new TypeError('BEGIN; SELECT pg_current_xact_id() answered no transaction id')
  return xid
}

/**
 * Whether transaction `xid`, whose COMMIT's answer was lost with its connection, committed.
 * A backend still inside it is the lost connection's (nothing else can run that transaction),
 * and no COMMIT can reach it any more, or it is writing the commit now: it is ended, and the
 * next look finds the transaction committed or rolled back. Rejects with `lostWith` as a
 * `DatabaseUnavailableError` when the database cannot be asked for SETTLE_MS.
 */
export function transactionOutcome(
  pool: pg.Pool,
  xid: string,
  lostWith: unknown,
): Promise<'committed' | 'aborted'> {
  return settle(lostWith, async () => {
    const { rows } = await pool.query<{ status: string | null; ending: number }>(
      'SELECT pg_xact_status($1::xid8) AS status, (SELECT count(pg_terminate_backend(pid))::int ' +
        'FROM pg_stat_activity WHERE backend_xid = $1::xid8::xid) AS ending',
      [xid],
    )
    const status = rows[0]?.status
    if (status === 'committed' || status === 'aborted') return status
    // 'in progress' (ending now), or null: an id too old to be known, which cannot be ours.
    if (status === null) throw new TypeError(`transaction ${xid} is unknown to the database`)
    return undefined
  })
}

/**
 * What an autocommit statement sent on the connection to backend `pid` did, once that
 * connection was lost: `look` (which reads the statement's rows) runs only after that backend is
 * gone. A backend still running the statement, or waiting for a lock to run it, would commit it
 * later; so it is ended first, and the look waits until PostgreSQL no longer lists it (its
 * transaction has then ended, committed or rolled back). Only a backend of this role and
 * application name is ended: should `pid` have been reused already, by one of this server's
 * connections, ending that one costs it a lost connection, handled as this one.
 */
export function afterBackendEnds<T>(
  pool: pg.Pool,
  pid: number,
  lostWith: unknown,
  look: () => Promise<T>,
): Promise<T> {
  return settle(lostWith, async () => {
    const { rows } = await pool.query<{ alive: number }>(
      'SELECT count(pg_terminate_backend(pid))::int AS alive FROM pg_stat_activity ' +
        "WHERE pid = $1 AND usename = current_user AND application_name = current_setting('application_name')",
      [pid],
    )
    // A separate statement, so its snapshot is taken after the backend was seen gone.
    return rows[0]?.alive === 0 ? { found: await look() } : undefined
  }).then(({ found }) => found)
}

/**
 * Runs `ask` until it answers (not undefined), on fresh connections: a connection lost while
 * asking (the database may be dropping them still) is tried again. Gives up after SETTLE_MS, or
 * at once on any other error, with `lostWith` as a `DatabaseUnavailableError`: the outcome
 * stays unknown, and 503 is all that can be said.
 */
async function settle<T>(lostWith: unknown, ask: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + SETTLE_MS
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LAST_PAUSE_MS)) {
    try {
      const answer = await ask()
      if (answer !== undefined) return answer
    } catch (e) {
      if (!isConnectionError(e)) throw unknownOutcome(lostWith)
    }
    if (Date.now() >= deadline) throw unknownOutcome(lostWith)
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, deadline - Date.now())))
  }
}

const unknownOutcome = (lostWith: unknown) => {
  const classified = classifyPostgresError(lostWith)
  return classified instanceof DatabaseUnavailableError ? classified : new DatabaseUnavailableError(lostWith)
}

/**
 * A host application with Roster inside it: its own routes and its own table of app users,
 * the SCIM endpoints mounted under /provisioning for an IdP (Entra ID, Okta) to call, and an
 * `onEvent` consumer that keeps the app's users in step with what the IdP provisions.
 *
 * The app's table lives in a database of the app's own (here a SQLite file). The consumer may
 * see an event again after a crash (at least once), so applying one is idempotent: each row
 * remembers the seq of the last event applied to it, and an older or repeated one is ignored.
 */
import Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import { createRoster, type Roster, type RosterEvent } from 'roster'

export interface HostAppOptions {
  /** Roster's database: a SQLite path or a postgres:// URL. */
  readonly rosterDatabaseUrl: string
  /** The app's own SQLite file (`:memory:` for a throwaway one). */
  readonly appDatabase: string
  /** How IdPs reach the app, for SCIM's `meta.location`; else each request's Host. */
  readonly publicUrl?: string
  readonly logger?: boolean
}

export interface HostApp {
  readonly app: FastifyInstance
  readonly roster: Roster
  close(): Promise<void>
}

export interface AppUser {
  readonly tenantId: string
  readonly scimId: string
  readonly userName: string
  readonly active: boolean
}

export async function startHostApp(options: HostAppOptions): Promise<HostApp> {
  const db = new Database(options.appDatabase)
  db.pragma('journal_mode = WAL')
  db.exec(`CREATE TABLE IF NOT EXISTS app_users (
    tenant_id TEXT NOT NULL,
    scim_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    active INTEGER NOT NULL,
    event_seq INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, scim_id)
  )`)
  const upsert = db.prepare(`INSERT INTO app_users (tenant_id, scim_id, user_name, active, event_seq) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id, scim_id) DO UPDATE SET user_name = excluded.user_name, active = excluded.active, event_seq = excluded.event_seq
    WHERE app_users.event_seq < excluded.event_seq`)
  const remove = db.prepare('DELETE FROM app_users WHERE tenant_id = ? AND scim_id = ?')
  const list = db.prepare('SELECT tenant_id, scim_id, user_name, active FROM app_users ORDER BY user_name')

  const roster = await createRoster({ databaseUrl: options.rosterDatabaseUrl, publicUrl: options.publicUrl })
  await roster.migrate()

  const app = Fastify({ logger: options.logger ?? false })
  // The app's own routes, next to Roster's.
  app.get('/app/users', async () =>
    (list.all() as { tenant_id: string; scim_id: string; user_name: string; active: number }[]).map(
      (r): AppUser => ({ tenantId: r.tenant_id, scimId: r.scim_id, userName: r.user_name, active: r.active === 1 }),
    ),
  )
  app.get('/healthz', async () => ({ status: 'ok' }))
  await app.register(roster.plugin, { prefix: '/provisioning' })

  // `switch` on `type` narrows each event's `data`.
  roster.onEvent(
    (event: RosterEvent) => {
      switch (event.type) {
        case 'user.created':
        case 'user.updated':
        case 'user.deactivated':
        case 'user.reactivated': {
          const { state } = event.data
          upsert.run(event.tenantId, state.id, String(state.userName), state.active === false ? 0 : 1, event.seq)
          break
        }
        case 'user.deleted':
          remove.run(event.tenantId, event.data.last.id)
          break
      }
    },
    { consumer: 'host-app-users', types: ['user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'user.deleted'] },
  )
  await roster.start()

  return {
    app,
    roster,
    close: async () => {
      await app.close()
      await roster.close()
      db.close()
    },
  }
}

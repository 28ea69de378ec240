/**
 * The SQLite schema, as an ordered list of migrations. Each runs in its own transaction and is
 * recorded in `schema_migrations`; `migrate()` applies the missing ones and is idempotent, also
 * when two processes start at once (`BEGIN IMMEDIATE`, then re-check).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { MigrationResult } from '../contract.js'
import { newerSchema } from '../schema-version.js'
import { EVENT_CONSUMERS } from './migration-8-event-consumers.js'

export interface Migration {
  readonly version: number
  readonly name: string
  up(db: Database): void
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants, tokens, resources, memberships',
    up(db) {
      db.exec(`
        CREATE TABLE tenants (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('organization', 'enterprise', 'instance')),
          slug TEXT NOT NULL,
          created_at TEXT NOT NULL,
          UNIQUE (kind, slug)
        );

        CREATE TABLE tokens (
          id TEXT PRIMARY KEY,
          tenant_id TEXT NOT NULL REFERENCES tenants (id),
          name TEXT NOT NULL,
          hash TEXT NOT NULL UNIQUE,
          hint TEXT NOT NULL,
          created_at TEXT NOT NULL,
          expires_at TEXT,
          last_used_at TEXT,
          revoked_at TEXT
        );
        CREATE INDEX tokens_tenant ON tokens (tenant_id);

        -- seq: insertion order, the stable order of pages; AUTOINCREMENT never reuses one.
        -- The other columns are copies of document values that filters and lookups need
        -- indexed; *_fold hold fold() of them.
        CREATE TABLE resources (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          tenant_id TEXT NOT NULL REFERENCES tenants (id),
          resource_type TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
          id TEXT NOT NULL,
          version INTEGER NOT NULL,
          created TEXT NOT NULL,
          last_modified TEXT NOT NULL,
          user_name TEXT,
          user_name_fold TEXT,
          external_id TEXT,
          display_name TEXT,
          display_name_fold TEXT,
          active INTEGER,
          document TEXT NOT NULL,
          UNIQUE (tenant_id, resource_type, id)
        );
        -- RFC 7643 §4.1.1: userName is unique (case-insensitively) within the tenant; the
        -- database enforces it, so concurrent creates have exactly one winner.
        CREATE UNIQUE INDEX resources_user_name ON resources (tenant_id, user_name_fold)
          WHERE resource_type = 'User';
        -- Partial: absent values cost no index write, and \`= ?\` implies IS NOT NULL, so
        -- lookups still use them.
        CREATE INDEX resources_external_id ON resources (tenant_id, resource_type, external_id)
          WHERE external_id IS NOT NULL;
        CREATE INDEX resources_display_name ON resources (tenant_id, resource_type, display_name_fold)
          WHERE display_name_fold IS NOT NULL;
        CREATE INDEX resources_seq ON resources (tenant_id, resource_type, seq);

        -- One row per direct member. seq aliases the rowid: always above every existing row,
        -- so it keeps the order members were added without reading the group's other rows.
        CREATE TABLE memberships (
          seq INTEGER PRIMARY KEY,
          tenant_id TEXT NOT NULL,
          group_id TEXT NOT NULL,
          member_id TEXT NOT NULL,
          member_type TEXT NOT NULL CHECK (member_type IN ('User', 'Group'))
        );
        -- Uniqueness keyed by member first: the 100 new members of a PATCH land at places set
        -- by their ids, not inside the group's own stretch of the index, so adding them dirties
        -- the same number of pages whether the group has 100 members or 100,000. It also
        -- answers User.groups.
        CREATE UNIQUE INDEX memberships_member ON memberships (tenant_id, member_id, group_id);
        -- Listing a group in the order members were added: new rows append at its end.
        CREATE INDEX memberships_group ON memberships (tenant_id, group_id, seq);
      `)
      db.prepare(`INSERT INTO tenants (id, kind, slug, created_at) VALUES (?, 'instance', '', ?)`).run(
        randomUUID(),
        new Date().toISOString(),
      )
    },
  },
  {
    version: 2,
    name: 'resource counts, secrets',
    up(db) {
      db.exec(`
        -- Exact totalResults without COUNT(*): one row per (tenant, type), changed in the
        -- transaction that inserts or deletes. removed counts deletes ever made; while it is
        -- unchanged, no row left the list, so a remembered page position is still exact.
        CREATE TABLE resource_counts (
          tenant_id TEXT NOT NULL,
          resource_type TEXT NOT NULL,
          total INTEGER NOT NULL,
          removed INTEGER NOT NULL,
          PRIMARY KEY (tenant_id, resource_type)
        ) WITHOUT ROWID;
        INSERT INTO resource_counts (tenant_id, resource_type, total, removed)
          SELECT tenant_id, resource_type, COUNT(*), 0 FROM resources GROUP BY tenant_id, resource_type;

        -- Keys every process of this database shares (RFC 9865 cursors are signed with one).
        CREATE TABLE secrets (
          name TEXT PRIMARY KEY,
          value BLOB NOT NULL
        );
      `)
      db.prepare(`INSERT INTO secrets (name, value) VALUES ('cursor', ?)`).run(randomBytes(32))
    },
  },
  {
    version: 3,
    name: 'membership seqs are never reused',
    up(db) {
      db.exec(`
        -- A plain rowid takes max(rowid) + 1: after the newest rows are deleted (a PUT that
        -- rewrites a group's list), the next rows take their seqs again, and a member walk
        -- bounded by the seq it started at would read a re-added member twice. AUTOINCREMENT
        -- never hands out a seq twice.
        CREATE TABLE memberships_v3 (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          tenant_id TEXT NOT NULL,
          group_id TEXT NOT NULL,
          member_id TEXT NOT NULL,
          member_type TEXT NOT NULL CHECK (member_type IN ('User', 'Group'))
        );
        INSERT INTO memberships_v3 (seq, tenant_id, group_id, member_id, member_type)
          SELECT seq, tenant_id, group_id, member_id, member_type FROM memberships ORDER BY seq;
        DROP TABLE memberships;
        ALTER TABLE memberships_v3 RENAME TO memberships;
        CREATE UNIQUE INDEX memberships_member ON memberships (tenant_id, member_id, group_id);
        CREATE INDEX memberships_group ON memberships (tenant_id, group_id, seq);
      `)
    },
  },
  {
    version: 4,
    name: 'accounts, teams, credentials, invitations, outbox, admin tokens',
    up(db) {
      db.exec(`
        -- Tenant settings as one JSON object (provisioning/tenant-settings.ts fills defaults
        -- by kind), with the tenant's email template overrides: new settings need no
        -- migration, and a write that reads the tenant has its templates too.
        ALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

        -- The application's people. login_fold holds fold(login) and is unique per tenant; a
        -- deleted account keeps its row (and id) as a tombstone with login NULL, and NULLs do
        -- not collide, so the login is free again. scim_user_id links the account to the SCIM
        -- user that manages it: one account per SCIM identity.
        CREATE TABLE accounts (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          tenant_id TEXT NOT NULL REFERENCES tenants (id),
          login TEXT,
          login_fold TEXT,
          display_name TEXT NOT NULL,
          emails TEXT NOT NULL,
          -- fold() of the primary email: finds the account an IdP's new user would be.
          email_fold TEXT,
          roles TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'deleted')),
          scim_managed INTEGER NOT NULL,
          scim_user_id TEXT,
          setup_owner INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          suspended_at TEXT,
          -- Sessions and tokens created up to this time are revoked: suspension writes this one
          -- value instead of every credential row.
          credentials_revoked_before TEXT
        );
        CREATE UNIQUE INDEX accounts_login ON accounts (tenant_id, login_fold);
        CREATE UNIQUE INDEX accounts_scim_user ON accounts (tenant_id, scim_user_id);
        CREATE INDEX accounts_tenant ON accounts (tenant_id, seq);
        CREATE INDEX accounts_email ON accounts (tenant_id, email_fold) WHERE email_fold IS NOT NULL;

        -- What happened to an account and why, oldest first (renames keep the old login here).
        CREATE TABLE account_history (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          tenant_id TEXT NOT NULL,
          account_id TEXT NOT NULL,
          at TEXT NOT NULL,
          action TEXT NOT NULL,
          detail TEXT NOT NULL
        );
        CREATE INDEX account_history_account ON account_history (tenant_id, account_id, seq);

        -- Sessions and personal access tokens: only a hash of the secret is kept.
        CREATE TABLE credentials (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          tenant_id TEXT NOT NULL,
          account_id TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('session', 'token')),
          name TEXT NOT NULL,
          hash TEXT NOT NULL UNIQUE,
          hint TEXT NOT NULL,
          created_at TEXT NOT NULL,
          expires_at TEXT,
          last_used_at TEXT,
          revoked_at TEXT
        );
        CREATE INDEX credentials_account ON credentials (tenant_id, account_id, seq);

        -- group_id links a team to one SCIM group; its members are then the group's active users.
        CREATE TABLE teams (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          tenant_id TEXT NOT NULL REFERENCES tenants (id),
          name TEXT NOT NULL,
          name_fold TEXT NOT NULL,
          description TEXT NOT NULL,
          parent_id TEXT,
          group_id TEXT,
          -- When group_id was set: a linked team's members are read from the group, not stored.
          linked_at TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          reconciled_at TEXT,
          reconcile_report TEXT
        );
        CREATE UNIQUE INDEX teams_name ON teams (tenant_id, name_fold);
        CREATE INDEX teams_group ON teams (tenant_id, group_id) WHERE group_id IS NOT NULL;
        CREATE INDEX teams_parent ON teams (tenant_id, parent_id) WHERE parent_id IS NOT NULL;

        -- Members added by hand to teams not linked to a group (a linked team's are computed).
        CREATE TABLE team_members (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          tenant_id TEXT NOT NULL,
          team_id TEXT NOT NULL,
          account_id TEXT NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('manual', 'group')),
          added_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX team_members_key ON team_members (team_id, account_id);
        CREATE INDEX team_members_account ON team_members (tenant_id, account_id);
        CREATE INDEX team_members_team ON team_members (team_id, seq);

        -- Organization tenants: a SCIM create invites; accepting links the identity.
        CREATE TABLE invitations (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          tenant_id TEXT NOT NULL,
          scim_user_id TEXT NOT NULL,
          email TEXT,
          state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked')),
          hash TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          sent_count INTEGER NOT NULL,
          accepted_at TEXT,
          account_id TEXT
        );
        CREATE INDEX invitations_user ON invitations (tenant_id, scim_user_id);
        CREATE INDEX invitations_tenant ON invitations (tenant_id, seq);

        -- Email written in the transaction of the change that caused it, sent later.
        CREATE TABLE outbox (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          tenant_id TEXT NOT NULL,
          template TEXT NOT NULL,
          recipient TEXT NOT NULL,
          subject TEXT NOT NULL,
          text TEXT NOT NULL,
          html TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
          attempts INTEGER NOT NULL,
          next_attempt_at TEXT NOT NULL,
          claimed_until TEXT,
          last_error TEXT,
          created_at TEXT NOT NULL,
          sent_at TEXT,
          account_id TEXT,
          invitation_id TEXT
        );
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_tenant ON outbox (tenant_id, seq);


        -- Admin API tokens; tenant_id NULL: the whole instance.
        CREATE TABLE admin_tokens (
          id TEXT PRIMARY KEY,
          tenant_id TEXT REFERENCES tenants (id),
          name TEXT NOT NULL,
          hash TEXT NOT NULL UNIQUE,
          hint TEXT NOT NULL,
          created_at TEXT NOT NULL,
          expires_at TEXT,
          last_used_at TEXT,
          revoked_at TEXT
        );
      `)
    },
  },
  {
    version: 5,
    name: 'provisioning log',
    up(db) {
      db.exec(`
        -- One entry per SCIM write (in the write's transaction), per failed call, and per read
        -- where the tenant asks (docs/provisioning-log.md). No foreign key: an entry is one
        -- more INSERT in every write, kept to the table and three indexes, each one an admin
        -- filter needs (newest first per tenant, by resource, by request id).
        CREATE TABLE provisioning_log (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          tenant_id TEXT NOT NULL,
          at TEXT NOT NULL,
          request_id TEXT NOT NULL,
          bulk_index INTEGER,
          bulk_id TEXT,
          token_id TEXT,
          token_name TEXT,
          client TEXT NOT NULL,
          user_agent TEXT,
          method TEXT NOT NULL,
          path TEXT NOT NULL,
          status INTEGER NOT NULL,
          scim_type TEXT,
          detail TEXT,
          resource_type TEXT,
          resource_id TEXT,
          user_name TEXT,
          user_name_fold TEXT,
          tolerances TEXT,
          changes TEXT,
          duration_us INTEGER NOT NULL
        );
        CREATE INDEX provisioning_log_tenant ON provisioning_log (tenant_id, seq);
        CREATE INDEX provisioning_log_resource ON provisioning_log (tenant_id, resource_id);
        CREATE INDEX provisioning_log_request ON provisioning_log (tenant_id, request_id);
      `)
    },
  },
  {
    version: 6,
    name: 'events',
    up(db) {
      db.exec(`
        -- Each tenant's last event seq. Write transactions run one at a time here, so the
        -- writer that appends events numbers them from this row in its own transaction.
        CREATE TABLE event_counters (
          tenant_id TEXT PRIMARY KEY,
          last_seq INTEGER NOT NULL
        );

        -- pk: the order events were written in; seq: the tenant's gap-free number, NULL until
        -- given (the sequencer gives seqs to rows committed without one: event-queries.ts).
        CREATE TABLE events (
          pk INTEGER PRIMARY KEY,
          tenant_id TEXT NOT NULL,
          seq INTEGER,
          id TEXT NOT NULL,
          type TEXT NOT NULL,
          at TEXT NOT NULL,
          resource_type TEXT,
          resource_id TEXT,
          request_id TEXT,
          log_entry_id TEXT,
          data TEXT NOT NULL
        );
        -- What the feed reads, and what the sequencer takes.
        CREATE UNIQUE INDEX events_seq ON events (tenant_id, seq) WHERE seq IS NOT NULL;
        CREATE INDEX events_unsequenced ON events (tenant_id, pk) WHERE seq IS NULL;
      `)
    },
  },
  {
    version: 7,
    name: 'webhooks',
    up(db) {
      db.exec(`
        -- One row per endpoint; delivered_seq is the last event seq dealt with, and the row is
        -- the lease a deliverer holds (claimed_until, claim) while it sends to the endpoint.
        CREATE TABLE webhook_endpoints (
          id TEXT PRIMARY KEY,
          tenant_id TEXT NOT NULL,
          url TEXT NOT NULL,
          description TEXT NOT NULL,
          event_types TEXT NOT NULL,
          enabled INTEGER NOT NULL,
          secret TEXT NOT NULL,
          previous_secret TEXT,
          previous_secret_expires_at TEXT,
          delivered_seq INTEGER NOT NULL,
          attempts INTEGER NOT NULL,
          first_attempt_at TEXT,
          next_attempt_at TEXT NOT NULL,
          last_error TEXT,
          claimed_until TEXT,
          claim TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at);

        CREATE TABLE webhook_deliveries (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          tenant_id TEXT NOT NULL,
          endpoint_id TEXT NOT NULL,
          event_seq INTEGER NOT NULL,
          event_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          kind TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          at TEXT NOT NULL,
          outcome TEXT NOT NULL,
          status INTEGER,
          latency_ms INTEGER NOT NULL,
          response TEXT,
          error TEXT
        );
        CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
      `)
    },
  },
  EVENT_CONSUMERS,
  {
    version: 9,
    name: 'admin sessions',
    up(db) {
      db.exec(`
        -- Admin UI sessions: only the SHA-256 of the cookie secret is kept. A session acts as
        -- its admin token, which is checked on every request (revoked or expired: ended).
        CREATE TABLE admin_sessions (
          id TEXT PRIMARY KEY,
          hash TEXT NOT NULL UNIQUE,
          admin_token_id TEXT NOT NULL REFERENCES admin_tokens (id),
          created_at TEXT NOT NULL,
          last_seen_at TEXT NOT NULL,
          expires_at TEXT NOT NULL
        );
        CREATE INDEX admin_sessions_token ON admin_sessions (admin_token_id);
      `)
    },
  },
]

/** The newest schema version `migrations` build. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((latest, m) => Math.max(latest, m.version), 0)
}

/**
 * The version of the Roster schema in `db`, read without writing: undefined when the database
 * holds none (a new file, or another application's).
 */
export function schemaVersion(db: Database): number | undefined {
  const present = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).pluck()
  if (present.get() === undefined) return undefined
  return (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0
}

/**
 * Applies the migrations `db` lacks. `from` is the version found (0: none), `to` the version
 * left. A schema newer than `migrations` know is refused: this code would misread it.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const from = schemaVersion(db) ?? 0
  const latest = latestVersion(migrations)
  if (from > latest) throw newerSchema(from, latest)
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`)
  const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck()
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.get(migration.version) !== undefined) continue
    db.exec('BEGIN IMMEDIATE')
    try {
      // Another process may have applied it while this one waited for the lock.
      if (applied.get(migration.version) === undefined) {
        migration.up(db)
        record.run(migration.version, migration.name, new Date().toISOString())
      }
      db.exec('COMMIT')
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK')
      throw e
    }
  }
  return { from, to: Math.max(from, latest) }
}

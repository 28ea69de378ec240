/**
 * The PostgreSQL schema: the SQLite schema (../sqlite/migrations.ts) in PostgreSQL's types, as
 * an ordered list of migrations. Each runs in its own transaction, recorded in
 * `schema_migrations`. Several processes may start at once: each transaction first takes an
 * advisory lock, so one applies a migration while the others wait, then find it applied.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { MigrationResult } from '../contract.js'
import { newerSchema } from '../schema-version.js'
import { EVENT_CONSUMERS } from './migration-7-event-consumers.js'
import { DATE_TIME_FUNCTION, ICU_COLLATION } from './postgres-dialect.js'

export interface Migration {
  readonly version: number
  readonly name: string
  up(client: pg.ClientBase): Promise<void>
}

/**
 * The advisory lock's first key ("RSTR"); the second is the schema's name hashed, so stores in
 * different schemas of one database (tests) do not wait for each other.
 */
export const MIGRATION_LOCK = 0x52535452

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants, tokens, resources, memberships',
    async up(client) {
      const { rows } = await client.query<{ icu: boolean; encoding: string }>(
        'SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = $1) AS icu, ' +
          "current_setting('server_encoding') AS encoding",
        [ICU_COLLATION],
      )
      // fold() in SQL needs both: normalize() works on UTF-8 text only, lower() needs ICU for
      // the full Unicode mapping (see postgres-dialect.ts).
      if (rows[0]?.encoding !== 'UTF8')
        throw new Error(`the database's encoding is ${rows[0]?.encoding}; Roster needs a UTF8 database`)
      if (!rows[0]?.icu) {
        throw new Error(
          `PostgreSQL has no "${ICU_COLLATION}" collation (a server built without ICU); ` +
            'Roster needs it to compare text case-insensitively',
        )
      }
      // Text columns use the "C" collation: byte order (code point order for UTF-8), the order
      // SQLite and JavaScript use, whatever the database's default collation is. Timestamps
      // are `toISOString()` text, as on SQLite: they sort as the instants they name.
      await client.query(`
        CREATE TABLE tenants (
          id text COLLATE "C" PRIMARY KEY,
          kind text COLLATE "C" NOT NULL CHECK (kind IN ('organization', 'enterprise', 'instance')),
          slug text COLLATE "C" NOT NULL,
          created_at text COLLATE "C" NOT NULL,
          CONSTRAINT tenants_kind_slug UNIQUE (kind, slug)
        );

        CREATE TABLE tokens (
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
          name text NOT NULL,
          hash text COLLATE "C" NOT NULL UNIQUE,
          hint text NOT NULL,
          created_at text COLLATE "C" NOT NULL,
          expires_at text COLLATE "C",
          last_used_at text COLLATE "C",
          revoked_at text COLLATE "C"
        );
        CREATE INDEX tokens_tenant ON tokens (tenant_id);

        -- seq: insertion order, the stable order of pages. The other columns are copies of
        -- document values that filters and lookups need indexed; *_fold hold fold() of them.
        -- document is json, not jsonb: json keeps the text as written, so a document reads back
        -- with its keys in the order they were written (jsonb sorts them), as on SQLite.
        CREATE TABLE resources (
          seq bigserial NOT NULL,
          tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
          resource_type text COLLATE "C" NOT NULL CHECK (resource_type IN ('User', 'Group')),
          id text COLLATE "C" NOT NULL,
          version integer NOT NULL,
          created text COLLATE "C" NOT NULL,
          last_modified text COLLATE "C" NOT NULL,
          user_name text COLLATE "C",
          user_name_fold text COLLATE "C",
          external_id text COLLATE "C",
          display_name text COLLATE "C",
          display_name_fold text COLLATE "C",
          active boolean,
          document json NOT NULL,
          CONSTRAINT resources_pkey PRIMARY KEY (tenant_id, resource_type, id)
        );
        -- RFC 7643 §4.1.1: userName is unique (case-insensitively) within the tenant; the
        -- database enforces it, so concurrent creates have exactly one winner.
        CREATE UNIQUE INDEX resources_user_name ON resources (tenant_id, user_name_fold)
          WHERE resource_type = 'User';
        -- Partial: absent values cost no index write, and \`= $1\` implies IS NOT NULL, so
        -- lookups still use them.
        CREATE INDEX resources_external_id ON resources (tenant_id, resource_type, external_id)
          WHERE external_id IS NOT NULL;
        CREATE INDEX resources_display_name ON resources (tenant_id, resource_type, display_name_fold)
          WHERE display_name_fold IS NOT NULL;
        CREATE INDEX resources_seq ON resources (tenant_id, resource_type, seq);

        -- One row per direct member; seq keeps the order members were added.
        CREATE TABLE memberships (
          seq bigserial NOT NULL,
          tenant_id text COLLATE "C" NOT NULL,
          group_id text COLLATE "C" NOT NULL,
          member_id text COLLATE "C" NOT NULL,
          member_type text COLLATE "C" NOT NULL CHECK (member_type IN ('User', 'Group')),
          -- Keyed by member first: the 100 new members of a PATCH land at places set by their
          -- ids, not inside the group's own stretch of the index, so adding them touches the
          -- same number of pages whether the group has 100 members or 100,000. It also answers
          -- User.groups.
          CONSTRAINT memberships_member PRIMARY KEY (tenant_id, member_id, group_id)
        );
        -- Listing a group in the order members were added: new rows append at its end.
        CREATE INDEX memberships_group ON memberships (tenant_id, group_id, seq);

        -- SqlDialect.dateTime: an xsd:dateTime text (RFC 7643 §2.3.5) as the toISOString() text
        -- of its instant, NULL if it is not one; the same rules as parseDateTime() in
        -- src/scim/filter/filter-attribute.ts. Instants outside years 1–9999 are NULL.
        CREATE FUNCTION ${DATE_TIME_FUNCTION}(v text) RETURNS text
          LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        DECLARE
          m text[] := regexp_match(v,
            '^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})'
            '(?:\\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?$');
          y int; mo int; d int; h int; mi int; s int; zh int; zm int;
          ms int := 0;
          offset_minutes int := 0;
          t timestamp;
        BEGIN
          IF m IS NULL THEN RETURN NULL; END IF;
          y := m[1]; mo := m[2]; d := m[3]; h := m[4]; mi := m[5]; s := m[6];
          IF mo < 1 OR mo > 12 OR d < 1 OR h > 23 OR mi > 59 OR s > 59 THEN RETURN NULL; END IF;
          IF d > (CASE WHEN mo = 2 THEN
                    CASE WHEN y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0) THEN 29 ELSE 28 END
                  WHEN mo IN (4, 6, 9, 11) THEN 30 ELSE 31 END) THEN
            RETURN NULL;
          END IF;
          IF m[7] IS NOT NULL THEN ms := rpad(left(m[7], 3), 3, '0'); END IF;
          IF m[8] IS NOT NULL AND m[8] <> 'Z' THEN
            zh := substr(m[8], 2, 2); zm := substr(m[8], 5, 2);
            IF zh > 14 OR zm > 59 THEN RETURN NULL; END IF;
            offset_minutes := (CASE WHEN left(m[8], 1) = '-' THEN -1 ELSE 1 END) * (zh * 60 + zm);
          END IF;
          IF y < 1 THEN RETURN NULL; END IF;
          t := make_timestamp(y, mo, d, h, mi, s) + ms * interval '1 millisecond'
            - offset_minutes * interval '1 minute';
          IF t < timestamp '0001-01-01' OR t >= timestamp '10000-01-01' THEN RETURN NULL; END IF;
          RETURN to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
        END
        $fn$;
      `)
      await client.query(`INSERT INTO tenants (id, kind, slug, created_at) VALUES ($1, 'instance', '', $2)`, [
        randomUUID(),
        new Date().toISOString(),
      ])
    },
  },
  {
    version: 2,
    name: 'resource counts, secrets',
    async up(client) {
      await client.query(`
        -- Exact totalResults without COUNT(*): one row per (tenant, type), changed in the
        -- transaction that inserts or deletes (total = total + 1, so concurrent writers of any
        -- process add up). removed counts deletes ever made; while it is unchanged, no row left
        -- the list, so a remembered page position is still exact. An insert locks its row
        -- before it takes a seq, so seqs of one (tenant, type) become visible in order.
        CREATE TABLE resource_counts (
          tenant_id text COLLATE "C" NOT NULL,
          resource_type text COLLATE "C" NOT NULL,
          total bigint NOT NULL,
          removed bigint NOT NULL,
          PRIMARY KEY (tenant_id, resource_type)
        );
        INSERT INTO resource_counts (tenant_id, resource_type, total, removed)
          SELECT tenant_id, resource_type, COUNT(*), 0 FROM resources GROUP BY tenant_id, resource_type;

        -- Keys every process of this database shares (RFC 9865 cursors are signed with one).
        CREATE TABLE secrets (
          name text COLLATE "C" PRIMARY KEY,
          value bytea NOT NULL
        );
      `)
      await client.query(`INSERT INTO secrets (name, value) VALUES ('cursor', $1)`, [randomBytes(32)])
    },
  },
  {
    version: 3,
    name: 'accounts, teams, credentials, invitations, outbox, admin tokens',
    async up(client) {
      await client.query(`
        -- Tenant settings as one JSON object (provisioning/tenant-settings.ts fills defaults
        -- by kind), with the tenant's email template overrides: new settings need no
        -- migration, and a write that reads the tenant has its templates too.
        ALTER TABLE tenants ADD COLUMN settings text NOT NULL DEFAULT '{}';

        -- The application's people. login_fold holds fold(login) and is unique per tenant; a
        -- deleted account keeps its row (and id) as a tombstone with login NULL, and NULLs do
        -- not collide, so the login is free again. scim_user_id links the account to the SCIM
        -- user that manages it: one account per SCIM identity.
        CREATE TABLE accounts (
          seq bigserial NOT NULL,
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
          login text COLLATE "C",
          login_fold text COLLATE "C",
          display_name text COLLATE "C" NOT NULL,
          emails text COLLATE "C" NOT NULL,
          -- fold() of the primary email: finds the account an IdP's new user would be.
          email_fold text COLLATE "C",
          roles text COLLATE "C" NOT NULL,
          state text COLLATE "C" NOT NULL CHECK (state IN ('active', 'suspended', 'deleted')),
          scim_managed boolean NOT NULL,
          scim_user_id text COLLATE "C",
          setup_owner boolean NOT NULL DEFAULT false,
          created_at text COLLATE "C" NOT NULL,
          updated_at text COLLATE "C" NOT NULL,
          suspended_at text COLLATE "C",
          -- Sessions and tokens created up to this time are revoked: suspension writes this one
          -- value instead of every credential row.
          credentials_revoked_before text COLLATE "C"
        );
        CREATE UNIQUE INDEX accounts_login ON accounts (tenant_id, login_fold);
        CREATE UNIQUE INDEX accounts_scim_user ON accounts (tenant_id, scim_user_id);
        CREATE INDEX accounts_tenant ON accounts (tenant_id, seq);
        CREATE INDEX accounts_email ON accounts (tenant_id, email_fold) WHERE email_fold IS NOT NULL;

        -- What happened to an account and why, oldest first (renames keep the old login here).
        CREATE TABLE account_history (
          seq bigserial PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          account_id text COLLATE "C" NOT NULL,
          at text COLLATE "C" NOT NULL,
          action text COLLATE "C" NOT NULL,
          detail text COLLATE "C" NOT NULL
        );
        CREATE INDEX account_history_account ON account_history (tenant_id, account_id, seq);

        -- Sessions and personal access tokens: only a hash of the secret is kept.
        CREATE TABLE credentials (
          seq bigserial NOT NULL,
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          account_id text COLLATE "C" NOT NULL,
          kind text COLLATE "C" NOT NULL CHECK (kind IN ('session', 'token')),
          name text COLLATE "C" NOT NULL,
          hash text COLLATE "C" NOT NULL UNIQUE,
          hint text COLLATE "C" NOT NULL,
          created_at text COLLATE "C" NOT NULL,
          expires_at text COLLATE "C",
          last_used_at text COLLATE "C",
          revoked_at text COLLATE "C"
        );
        CREATE INDEX credentials_account ON credentials (tenant_id, account_id, seq);

        -- group_id links a team to one SCIM group; its members are then the group's active users.
        CREATE TABLE teams (
          seq bigserial NOT NULL,
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
          name text COLLATE "C" NOT NULL,
          name_fold text COLLATE "C" NOT NULL,
          description text COLLATE "C" NOT NULL,
          parent_id text COLLATE "C",
          group_id text COLLATE "C",
          -- When group_id was set: a linked team's members are read from the group, not stored.
          linked_at text COLLATE "C",
          created_at text COLLATE "C" NOT NULL,
          updated_at text COLLATE "C" NOT NULL,
          reconciled_at text COLLATE "C",
          reconcile_report text COLLATE "C"
        );
        CREATE UNIQUE INDEX teams_name ON teams (tenant_id, name_fold);
        CREATE INDEX teams_group ON teams (tenant_id, group_id) WHERE group_id IS NOT NULL;
        CREATE INDEX teams_parent ON teams (tenant_id, parent_id) WHERE parent_id IS NOT NULL;

        -- Members added by hand to teams not linked to a group (a linked team's are computed).
        CREATE TABLE team_members (
          seq bigserial PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          team_id text COLLATE "C" NOT NULL,
          account_id text COLLATE "C" NOT NULL,
          source text COLLATE "C" NOT NULL CHECK (source IN ('manual', 'group')),
          added_at text COLLATE "C" NOT NULL
        );
        CREATE UNIQUE INDEX team_members_key ON team_members (team_id, account_id);
        CREATE INDEX team_members_account ON team_members (tenant_id, account_id);
        CREATE INDEX team_members_team ON team_members (team_id, seq);

        -- Organization tenants: a SCIM create invites; accepting links the identity.
        CREATE TABLE invitations (
          seq bigserial NOT NULL,
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          scim_user_id text COLLATE "C" NOT NULL,
          email text COLLATE "C",
          state text COLLATE "C" NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked')),
          hash text COLLATE "C" NOT NULL UNIQUE,
          created_at text COLLATE "C" NOT NULL,
          expires_at text COLLATE "C" NOT NULL,
          sent_count integer NOT NULL,
          accepted_at text COLLATE "C",
          account_id text COLLATE "C"
        );
        CREATE INDEX invitations_user ON invitations (tenant_id, scim_user_id);
        CREATE INDEX invitations_tenant ON invitations (tenant_id, seq);

        -- Email written in the transaction of the change that caused it, sent later.
        CREATE TABLE outbox (
          seq bigserial NOT NULL,
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          template text COLLATE "C" NOT NULL,
          recipient text COLLATE "C" NOT NULL,
          subject text COLLATE "C" NOT NULL,
          text text COLLATE "C" NOT NULL,
          html text COLLATE "C" NOT NULL,
          state text COLLATE "C" NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
          attempts integer NOT NULL,
          next_attempt_at text COLLATE "C" NOT NULL,
          claimed_until text COLLATE "C",
          last_error text COLLATE "C",
          created_at text COLLATE "C" NOT NULL,
          sent_at text COLLATE "C",
          account_id text COLLATE "C",
          invitation_id text COLLATE "C"
        );
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_tenant ON outbox (tenant_id, seq);


        -- Admin API tokens; tenant_id NULL: the whole instance.
        CREATE TABLE admin_tokens (
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" REFERENCES tenants (id),
          name text COLLATE "C" NOT NULL,
          hash text COLLATE "C" NOT NULL UNIQUE,
          hint text COLLATE "C" NOT NULL,
          created_at text COLLATE "C" NOT NULL,
          expires_at text COLLATE "C",
          last_used_at text COLLATE "C",
          revoked_at text COLLATE "C"
        );
      `)
    },
  },
  {
    version: 4,
    name: 'provisioning log',
    async up(client) {
      await client.query(`
        -- One entry per SCIM write (in the write's transaction), per failed call, and per read
        -- where the tenant asks (docs/provisioning-log.md). No foreign key: an entry is one
        -- more INSERT in every write, kept to the table and three indexes, each one an admin
        -- filter needs (newest first per tenant, by resource, by request id).
        CREATE TABLE provisioning_log (
          seq bigserial PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          at text COLLATE "C" NOT NULL,
          request_id text COLLATE "C" NOT NULL,
          bulk_index integer,
          bulk_id text COLLATE "C",
          token_id text COLLATE "C",
          token_name text COLLATE "C",
          client text COLLATE "C" NOT NULL,
          user_agent text COLLATE "C",
          method text COLLATE "C" NOT NULL,
          path text COLLATE "C" NOT NULL,
          status integer NOT NULL,
          scim_type text COLLATE "C",
          detail text COLLATE "C",
          resource_type text COLLATE "C",
          resource_id text COLLATE "C",
          user_name text COLLATE "C",
          user_name_fold text COLLATE "C",
          tolerances text COLLATE "C",
          changes text COLLATE "C",
          duration_us bigint NOT NULL
        );
        CREATE INDEX provisioning_log_tenant ON provisioning_log (tenant_id, seq);
        CREATE INDEX provisioning_log_resource ON provisioning_log (tenant_id, resource_id);
        CREATE INDEX provisioning_log_request ON provisioning_log (tenant_id, request_id);
      `)
    },
  },
  {
    version: 5,
    name: 'events',
    async up(client) {
      await client.query(`
        -- Each tenant's last event seq, bumped only by the sequencer (event-queries.ts) in
        -- short transactions that hold this row: writers never touch it, so they never wait
        -- for each other's commits to append events.
        CREATE TABLE event_counters (
          tenant_id text COLLATE "C" PRIMARY KEY,
          last_seq bigint NOT NULL
        );

        -- pk: the order events were written in (not commit order); seq: the tenant's
        -- gap-free number, NULL until the sequencer gives it. id is a random UUID made by
        -- the writer, unique by construction: an index on it would cost every append.
        CREATE TABLE events (
          pk bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          seq bigint,
          id text COLLATE "C" NOT NULL,
          type text COLLATE "C" NOT NULL,
          at text COLLATE "C" NOT NULL,
          resource_type text COLLATE "C",
          resource_id text COLLATE "C",
          request_id text COLLATE "C",
          log_entry_id text COLLATE "C",
          data text NOT NULL
        );
        -- What the feed reads, and what the sequencer takes (small: rows wait there briefly).
        CREATE UNIQUE INDEX events_seq ON events (tenant_id, seq) WHERE seq IS NOT NULL;
        CREATE INDEX events_unsequenced ON events (tenant_id, pk) WHERE seq IS NULL;
      `)
    },
  },
  {
    version: 6,
    name: 'webhooks',
    async up(client) {
      await client.query(`
        -- One row per endpoint; delivered_seq is the last event seq dealt with, and the row is
        -- the lease a deliverer holds (claimed_until, claim) while it sends to the endpoint.
        CREATE TABLE webhook_endpoints (
          id text COLLATE "C" PRIMARY KEY,
          tenant_id text COLLATE "C" NOT NULL,
          url text NOT NULL,
          description text NOT NULL,
          event_types text NOT NULL,
          enabled integer NOT NULL,
          secret text NOT NULL,
          previous_secret text,
          previous_secret_expires_at text COLLATE "C",
          delivered_seq bigint NOT NULL,
          attempts integer NOT NULL,
          first_attempt_at text COLLATE "C",
          next_attempt_at text COLLATE "C" NOT NULL,
          last_error text,
          claimed_until text COLLATE "C",
          claim text COLLATE "C",
          created_at text COLLATE "C" NOT NULL,
          updated_at text COLLATE "C" NOT NULL
        );
        CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at);

        CREATE TABLE webhook_deliveries (
          seq bigserial PRIMARY KEY,
          id text COLLATE "C" NOT NULL UNIQUE,
          tenant_id text COLLATE "C" NOT NULL,
          endpoint_id text COLLATE "C" NOT NULL,
          event_seq bigint NOT NULL,
          event_id text COLLATE "C" NOT NULL,
          event_type text COLLATE "C" NOT NULL,
          kind text COLLATE "C" NOT NULL,
          attempt integer NOT NULL,
          at text COLLATE "C" NOT NULL,
          outcome text COLLATE "C" NOT NULL,
          status integer,
          latency_ms integer NOT NULL,
          response text,
          error text
        );
        CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
      `)
    },
  },
  EVENT_CONSUMERS,
  {
    version: 8,
    name: 'admin sessions',
    async up(client) {
      await client.query(`
        -- Admin UI sessions: only the SHA-256 of the cookie secret is kept. A session acts as
        -- its admin token, which is checked on every request (revoked or expired: ended).
        CREATE TABLE admin_sessions (
          id text COLLATE "C" PRIMARY KEY,
          hash text COLLATE "C" NOT NULL UNIQUE,
          admin_token_id text COLLATE "C" NOT NULL REFERENCES admin_tokens (id),
          created_at text COLLATE "C" NOT NULL,
          last_seen_at text COLLATE "C" NOT NULL,
          expires_at text COLLATE "C" NOT NULL
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
 * The version of the Roster schema on the connection's search path, read without writing:
 * undefined when there is none (a new database or schema, or another application's).
 */
export async function schemaVersion(db: pg.Pool | pg.ClientBase): Promise<number | undefined> {
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  )
  if (!rows[0]?.present) return undefined
  const max = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations')
  return max.rows[0]?.version ?? 0
}

/**
 * Applies the migrations the database lacks. `from` is the version found (0: none), `to` the
 * version left. A schema newer than `migrations` know is refused: this code would misread it.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const client = await pool.connect()
  try {
    // The common case, an up-to-date schema: one look, no lock.
    const found = await schemaVersion(client)
    const from = found ?? 0
    const latest = latestVersion(migrations)
    if (from > latest) throw newerSchema(from, latest)
    let applied = new Set<number>()
    if (found !== undefined) {
      const recorded = await client.query<{ version: number }>('SELECT version FROM schema_migrations')
      applied = new Set(recorded.rows.map((r) => r.version))
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue
      await client.query('BEGIN')
      try {
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), \'\')))', [
          MIGRATION_LOCK,
        ])
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at text NOT NULL
        )`)
        // Another process may have applied it while this one waited for the lock.
        const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version])
        if (done.rowCount === 0) {
          await migration.up(client)
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            new Date().toISOString(),
          ])
        }
        await client.query('COMMIT')
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw e
      }
    }
    return { from, to: Math.max(from, latest) }
  } finally {
    client.release()
  }
}

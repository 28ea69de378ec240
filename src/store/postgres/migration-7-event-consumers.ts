import type { Migration } from './migrations.js'

/** The SQLite migration 8 (../sqlite/migration-8-event-consumers.ts) in PostgreSQL's types. */
export const EVENT_CONSUMERS: Migration = {
  version: 7,
  name: 'event consumers',
  async up(client) {
    await client.query(`
      CREATE TABLE event_consumers (
        name text COLLATE "C" NOT NULL,
        tenant_id text COLLATE "C" NOT NULL,
        acked_seq bigint NOT NULL,
        attempts integer NOT NULL,
        next_attempt_at text COLLATE "C" NOT NULL,
        last_error text,
        claimed_until text COLLATE "C",
        claim text COLLATE "C",
        updated_at text COLLATE "C" NOT NULL,
        PRIMARY KEY (name, tenant_id)
      );
    `)
  },
}

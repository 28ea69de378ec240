import type { Migration } from './migrations.js'

/**
 * Named in-process event consumers (library/event-consumer.ts): per consumer and tenant, the
 * last seq its handler finished (acked_seq), its retry state, and the lease (claimed_until,
 * claim) that lets one process at a time work through the tenant's events for that name.
 */
export const EVENT_CONSUMERS: Migration = {
  version: 8,
  name: 'event consumers',
  up(db) {
    db.exec(`
      CREATE TABLE event_consumers (
        name TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        acked_seq INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        claimed_until TEXT,
        claim TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (name, tenant_id)
      );
    `)
  },
}

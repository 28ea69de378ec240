/**
 * Provisioning log retention: each tenant's entries older than its `logRetentionDays` are
 * deleted in batches of `batch` entries, one short transaction each, so pruning a large
 * backlog never holds SQLite's write lock (or a PostgreSQL transaction) for long, and writes
 * interleave with it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Store } from '../../store/contract.js'
import { settingsOf } from '../tenant-settings.js'

const DAY_MS = 86_400_000

/** Entries deleted per transaction. */
export const PRUNE_BATCH = 1000

export interface PruneReport {
  /** Entries deleted, across tenants. */
  readonly deleted: number
  /** Transactions run (one per batch, including each tenant's last, short one). */
  readonly batches: number
}

export async function pruneProvisioningLogs(store: Store, now: Date = new Date(), batch: number = PRUNE_BATCH): Promise<PruneReport> {
  let deleted = 0
  let batches = 0
  for (const tenant of await store.listTenants()) {
    const cutoff = new Date(now.getTime() - settingsOf(tenant).logRetentionDays * DAY_MS).toISOString()
    const tenantStore = store.forTenant(tenant)
    for (;;) {
      const n = await tenantStore.transaction((tx) => tx.provisioningLog.prune(cutoff, batch))
      batches++
      deleted += n
      if (n < batch) break
      // Requests waiting for the database go first.
      await nextTurn()
    }
  }
  return { deleted, batches }
}

/**
 * Webhook delivery log retention: each endpoint's attempts older than its tenant's
 * `logRetentionDays` (the provisioning log's retention: both say what happened to the tenant's
 * changes, and are kept as long) are deleted in batches of `batch`, one statement each, so a
 * large backlog never holds the database for long and deliveries interleave with it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Store } from '../../store/contract.js'
import { PRUNE_BATCH, type PruneReport } from '../log/retention.js'
import { settingsOf } from '../tenant-settings.js'

const DAY_MS = 86_400_000

export async function pruneWebhookDeliveries(store: Store, now: Date = new Date(), batch: number = PRUNE_BATCH): Promise<PruneReport> {
  let deleted = 0
  let batches = 0
  for (const tenant of await store.listTenants()) {
    const cutoff = new Date(now.getTime() - settingsOf(tenant).logRetentionDays * DAY_MS).toISOString()
    for (const endpoint of await store.webhooks.list(tenant.id)) {
      for (;;) {
        const n = await store.webhooks.pruneDeliveries(tenant.id, endpoint.id, cutoff, batch)
        batches++
        deleted += n
        if (n < batch) break
        // Requests and deliveries waiting for the database go first.
        await nextTurn()
      }
    }
  }
  return { deleted, batches }
}

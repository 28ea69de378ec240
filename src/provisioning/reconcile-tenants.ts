/**
 * Drift repair across every tenant (at start and on a schedule): SCIM users that have no
 * account get one (a user created while a tenant kept no accounts, or while SCIM was off),
 * and every team is reconciled (stored rows that should not exist are removed). Idempotent, in
 * bounded transactions.
 */
import type { Store } from '../store/contract.js'
import { AccountLifecycle } from './accounts/lifecycle.js'
import { settingsOf } from './tenant-settings.js'
import { Teams } from './teams/teams.js'

const BATCH = 500

export interface DriftReport {
  readonly tenants: number
  readonly accountsRepaired: number
  readonly teams: number
  readonly teamMembersAdded: number
  readonly teamMembersRemoved: number
}

export async function reconcileTenants(store: Store): Promise<DriftReport> {
  let accountsRepaired = 0
  let teams = 0
  let added = 0
  let removed = 0
  const tenants = await store.listTenants()
  for (const tenant of tenants) {
    const settings = settingsOf(tenant)
    if (!settings.accounts || !settings.scimEnabled) continue
    const scoped = store.forTenant(tenant)
    if (tenant.kind !== 'organization') {
      for (let after: number | undefined = 0; after !== undefined; ) {
        const from: number = after
        const batch = await scoped.transaction((tx) => tx.accounts.unlinkedUsers(from, BATCH))
        for (const id of batch.ids) {
          // One transaction each: a user whose login collides is skipped, not the batch.
          const repaired = await scoped.transaction((tx) => AccountLifecycle.repair(tx, id)).catch(() => false)
          if (repaired) accountsRepaired++
        }
        after = batch.next
      }
    }
    const report = await new Teams(scoped).reconcileAll()
    teams += report.teams
    added += report.added
    removed += report.removed
  }
  return { tenants: tenants.length, accountsRepaired, teams, teamMembersAdded: added, teamMembersRemoved: removed }
}

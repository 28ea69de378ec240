/** How many enterprise users the accounts workloads need, decided before any of them runs. */
import type { BenchOptions, WorkloadName } from '../options.js'
import { deactivateUsersNeeded } from './deactivate.js'
import { teamPatchUsersNeeded } from './team-patch.js'

/** The workloads that run on tenants of their own, prepared through the domain services. */
export const ACCOUNT_WORKLOADS: readonly WorkloadName[] = ['accounts-create', 'deactivate', 'team-patch', 'team-link']

/**
 * Users the enterprise tenant is loaded to before the deactivation, team PATCH and team link
 * workloads: each of the first two gets users of its own, and the link's group holds the first
 * `--users` (so the enterprise holds at least that many when it runs).
 */
export function enterpriseUsersNeeded(options: Pick<BenchOptions, 'only' | 'quick' | 'patches' | 'users'>): number {
  let needed = 0
  if (options.only.includes('deactivate')) needed += deactivateUsersNeeded(options.quick)
  if (options.only.includes('team-patch')) needed += teamPatchUsersNeeded(options.patches)
  if (options.only.includes('team-link')) needed = Math.max(needed, options.users)
  return needed
}

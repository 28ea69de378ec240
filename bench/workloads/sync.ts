/**
 * An Entra-style initial sync (docs/idp-compatibility.md, *Microsoft Entra ID*): for each
 * user, an `externalId eq` lookup (RFC 7644 §3.4.2.2) and, finding nothing, the create (§3.3),
 * on the load generator's connections; then the groups are created and their members added
 * with PATCH (§3.5.2.1) in batches of 100. The sync target: 100,000 users and 1,000 groups of
 * 100 members in under 60 seconds.
 */
import { measure, type BenchContext, type Measurement } from '../context.js'
import type { PlannedRequest, RequestPlan } from '../plan.js'
import { baselineRow, emptyMeasurement, type Row } from '../report.js'
import { mergeRss } from '../rss.js'
import { createGroups, patch } from './patch-members.js'

export const SYNC_SECONDS_TARGET = 60
export const SYNC_TARGET_USERS = 100_000
export const SYNC_TARGET_GROUPS = 1_000
export const SYNC_GROUP_SIZE = 100
const SYNC_MAX_MS = 60 * 60_000

/** Members of sync group g: 100 consecutive sync users, wrapping around the sync population. */
export function syncMembers<T>(users: readonly T[], g: number, size = SYNC_GROUP_SIZE): T[] {
  if (users.length === 0) return []
  const length = Math.min(size, users.length)
  return Array.from({ length }, (_, j) => users[(g * size + j) % users.length] as T)
}

/** Sync seconds scaled linearly to the target's size, for runs smaller than it. */
export function estimateAtTargetSize(
  userSeconds: number,
  groupSeconds: number,
  users: number,
  groups: number,
): number {
  return (userSeconds * SYNC_TARGET_USERS) / users + (groupSeconds * SYNC_TARGET_GROUPS) / groups
}

export async function entraSync(ctx: BenchContext): Promise<Row[]> {
  const { options } = ctx
  const users = options.syncUsers
  const groups = options.syncGroups
  const prefix = `${ctx.userNamePrefix}sync`
  const plan = (base: string): RequestPlan => ({ kind: 'syncUser', base, userNamePrefix: prefix, first: 0 })
  const whole = { warmup: { requests: 0 }, measure: { requests: users }, maxMs: SYNC_MAX_MS }

  ctx.log(`sync: bare route, ${users} lookup+create pairs`)
  const bare = await measure(ctx, ctx.bare, { plan: plan(ctx.bare.basePath), ...whole })
  ctx.log(`sync: ${users} users, externalId eq lookup then create`)
  const userRun = await measure(ctx, ctx.scim, { plan: plan(ctx.scim.basePath), ...whole, collectIds: true })
  const ids = (userRun.result.ids ?? []).filter((id): id is string => id !== null)

  ctx.log(`sync: ${groups} groups`)
  const started = Date.now()
  const groupIds = await createGroups(ctx, 'sync', groups)
  const groupCreateMs = Date.now() - started
  const patches: PlannedRequest[] = groupIds.flatMap((id, g) =>
    id === null ? [] : [patch(ctx.scim.basePath, id, syncMembers(ids, g))],
  )
  ctx.log(`sync: ${patches.length} PATCHes of ${SYNC_GROUP_SIZE} members`)
  const patchRun = await measure(ctx, ctx.scim, {
    plan: { kind: 'list', requests: patches },
    warmup: { requests: 0 },
    measure: { requests: patches.length },
    connections: options.patchConnections,
    maxMs: SYNC_MAX_MS,
  })

  const u = userRun.measurement
  const p = patchRun.measurement
  const missingGroups = groupIds.filter((id) => id === null).length
  if (missingGroups > 0 || groupIds.length < groups) {
    p.errorSamples.unshift(`check: ${missingGroups || groups - groupIds.length} of ${groups} POST /Groups failed`)
  }
  const userSeconds = u.durationMs / 1000
  const groupSeconds = (groupCreateMs + p.durationMs) / 1000
  const seconds = userSeconds + groupSeconds
  const fullSize = users >= SYNC_TARGET_USERS && groups >= SYNC_TARGET_GROUPS
  const summary: Measurement = { ...emptyMeasurement(), errors: u.errors + p.errors }
  const rss = [u.serverRss, p.serverRss].filter((r) => r !== undefined)
  if (rss.length > 0) summary.serverRss = mergeRss(rss)
  const fmt = (n: number) => n.toLocaleString('en-US')
  const estimate = estimateAtTargetSize(userSeconds, groupSeconds, users, groups)
  return [
    {
      workload: 'sync',
      label: `sync users: externalId eq + POST (${fmt(users)})`,
      kind: 'workload',
      measurement: u,
      ratio: { value: u.reqPerSec / bare.measurement.reqPerSec, of: 'bare' },
      notes: [
        `${fmt(users)} lookups and creates in ${userSeconds.toFixed(1)} s on ${options.connections} connections`,
      ],
    },
    {
      workload: 'sync',
      label: `sync groups: POST + PATCH +${SYNC_GROUP_SIZE} (${fmt(groups)})`,
      kind: 'workload',
      measurement: p,
      notes: [
        `${fmt(groups)} POST /Groups in ${(groupCreateMs / 1000).toFixed(1)} s, then ${fmt(patches.length)} PATCHes ` +
          `in ${(p.durationMs / 1000).toFixed(1)} s (req/s, p50, p99 of the PATCHes)`,
      ],
    },
    baselineRow('sync', 'bare Fastify GET+POST (same users)', bare.measurement),
    {
      workload: 'sync',
      label: `Entra initial sync, total`,
      kind: 'summary',
      measurement: summary,
      figure: `${seconds.toFixed(1)} s`,
      ...(fullSize
        ? {
            target: {
              text: `< ${SYNC_SECONDS_TARGET} s (100k users + 1k groups)`,
              met: summary.errors === 0 && seconds < SYNC_SECONDS_TARGET,
            },
          }
        : {}),
      notes: fullSize
        ? [`users ${userSeconds.toFixed(1)} s + groups ${groupSeconds.toFixed(1)} s, wall time of the answers`]
        : [
            `users ${userSeconds.toFixed(1)} s + groups ${groupSeconds.toFixed(1)} s; the target is for ` +
              `--sync-users ${SYNC_TARGET_USERS} --sync-groups ${SYNC_TARGET_GROUPS}: scaled linearly to that ` +
              `size this run would take ~${estimate.toFixed(0)} s (an estimate, not a measurement)`,
          ],
    },
  ]
}

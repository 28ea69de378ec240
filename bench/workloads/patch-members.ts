/**
 * PATCH adding 100 members to a group (RFC 7644 §3.5.2.1), to a group of 100 members and to a
 * group of `--large-group` (10,000) members: the cost of an add must not grow with the group.
 *
 * Every PATCH adds 100 users not yet in its group. So that the small groups stay small while
 * measured, each small group gets a single measured PATCH (100 -> 200 members); the large ones
 * get enough to grow by at most a fifth (10,000 -> 12,000). Consecutive PATCHes go to different
 * groups, so with --patch-connections at most the group count, no two run on one group at once.
 */
import { measure, type BenchContext, type Measured } from '../context.js'
import { costRatio } from '../cost.js'
import { addMembersBody, groupBody, type PlannedRequest } from '../plan.js'
import { baselineRow, target, type Row } from '../report.js'

export const PATCH_COST_TARGET = 1.3
export const SMALL_GROUP = 100
const BATCH = 100
const MAX_ROUNDS = 20
const WARMUP_PATCHES = 10
const SETUP_MAX_MS = 10 * 60_000

/** Measured PATCHes each large group receives: it grows by at most a fifth while measured. */
export function roundsPerLargeGroup(largeGroup: number): number {
  return Math.min(MAX_ROUNDS, Math.max(1, Math.floor(largeGroup / 5 / BATCH)))
}

/** Users the workload needs: the large group's members and a fresh batch per round. */
export function patchUsersNeeded(largeGroup: number): number {
  return largeGroup + roundsPerLargeGroup(largeGroup) * BATCH
}

export function patch(base: string, groupId: string, members: string[]): PlannedRequest {
  return { method: 'PATCH', path: `${base}/Groups/${groupId}`, body: addMembersBody(members) }
}

/** Creates `count` groups and returns their ids; failures are left to the caller's check. */
export async function createGroups(ctx: BenchContext, name: string, count: number): Promise<(string | null)[]> {
  const requests: PlannedRequest[] = Array.from({ length: count }, (_, g) => ({
    method: 'POST',
    path: `${ctx.scim.basePath}/Groups`,
    body: groupBody(`${ctx.userNamePrefix}${name}-${g}`),
  }))
  const { result } = await measure(ctx, ctx.scim, {
    plan: { kind: 'list', requests },
    warmup: { requests: 0 },
    measure: { requests: count },
    connections: ctx.options.patchConnections,
    collectIds: true,
    maxMs: SETUP_MAX_MS,
  })
  return result.ids ?? []
}

export async function patchMembers(ctx: BenchContext): Promise<Row[]> {
  const { options } = ctx
  const large = options.largeGroup
  const total = WARMUP_PATCHES + options.patches
  const known = ctx.userIds.filter((id): id is string => id !== null)
  const members = (from: number): string[] => known.slice(from, from + BATCH)
  const setupErrors: string[] = []
  const label = (size: number) => `PATCH +100 members, group of ${size.toLocaleString('en-US')}`
  if (known.length < patchUsersNeeded(large)) {
    throw new Error(`patch: needs ${patchUsersNeeded(large)} users, the directory has ${known.length}`)
  }

  const smallCount = total
  const rounds = roundsPerLargeGroup(large)
  const largeCount = Math.ceil(total / rounds)
  ctx.log(`PATCH: creating ${smallCount} groups of ${SMALL_GROUP} and ${largeCount} of ${large}`)
  const smallIds = await createGroups(ctx, 'small', smallCount)
  const largeIds = await createGroups(ctx, 'large', largeCount)
  const groupIds = [...smallIds, ...largeIds]
  if (groupIds.length !== smallCount + largeCount || groupIds.some((id) => id === null)) {
    throw new Error('patch: some POST /Groups failed or answered no id')
  }
  const small = smallIds as string[]
  const big = largeIds as string[]

  const fill: PlannedRequest[] = small.map((id) => patch(ctx.scim.basePath, id, members(0)))
  for (let block = 0; block < large / BATCH; block++) {
    for (const id of big) fill.push(patch(ctx.scim.basePath, id, members(block * BATCH)))
  }
  ctx.log(`PATCH: filling groups with ${fill.length} PATCHes of ${BATCH}`)
  const filled = await measure(ctx, ctx.scim, {
    plan: { kind: 'list', requests: fill },
    warmup: { requests: 0 },
    measure: { requests: fill.length },
    connections: options.patchConnections,
    maxMs: SETUP_MAX_MS,
  })
  if (filled.measurement.errors > 0) {
    setupErrors.push(`check: ${filled.measurement.errors} of the PATCHes filling the groups failed`)
    setupErrors.push(...filled.measurement.errorSamples)
  }

  // Fresh members come after the large groups' members, so they are in no group yet.
  const smallPatches = small.map((id) => patch(ctx.scim.basePath, id, members(large)))
  const largePatches = Array.from({ length: total }, (_, j) => {
    const round = Math.floor(j / big.length)
    return patch(ctx.scim.basePath, big[j % big.length] ?? '', members(large + round * BATCH))
  })
  const connections = options.patchConnections
  const timed = (endpoint: Measured, requests: PlannedRequest[]) =>
    measure(ctx, endpoint, {
      plan: { kind: 'list', requests },
      warmup: { requests: WARMUP_PATCHES },
      measure: { requests: options.patches },
      connections,
    })

  ctx.log('PATCH: bare route')
  const toBare = (request: PlannedRequest) => ({
    ...request,
    path: request.path.replace(ctx.scim.basePath, ctx.bare.basePath),
  })
  const bare = await timed(ctx.bare, smallPatches.map(toBare))
  ctx.log(`PATCH: +${BATCH} to groups of ${SMALL_GROUP}`)
  const smallRun = await timed(ctx.scim, smallPatches)
  ctx.log(`PATCH: +${BATCH} to groups of ${large}`)
  const largeRun = await timed(ctx.scim, largePatches)

  const s = smallRun.measurement
  const l = largeRun.measurement
  s.errorSamples.unshift(...setupErrors)
  const { cost, p50Ratio, rateRatio } = costRatio(s, l)
  const grown = large + rounds * BATCH
  return [
    {
      workload: 'patch',
      label: label(SMALL_GROUP),
      kind: 'workload',
      measurement: s,
      ratio: { value: s.reqPerSec / bare.measurement.reqPerSec, of: 'bare' },
      notes: [`${connections} connections; ${smallCount} groups, one measured PATCH each`],
    },
    {
      workload: 'patch',
      label: label(large),
      kind: 'workload',
      measurement: l,
      ratio: { value: cost, of: `cost of ${SMALL_GROUP}` },
      target: target(
        `<= ${PATCH_COST_TARGET.toFixed(2)}x cost of ${SMALL_GROUP}`,
        l,
        s.errors === 0 && cost <= PATCH_COST_TARGET,
      ),
      notes: [
        `${largeCount} groups, up to ${rounds} PATCHes each (${large} -> up to ${grown} members)`,
        `cost = worse of p50 ratio (${p50Ratio.toFixed(2)}) and req/s ratio (${rateRatio.toFixed(2)})`,
        `filling the groups: ${fill.length} PATCHes at ${filled.measurement.reqPerSec.toFixed(0)}/s`,
      ],
    },
    baselineRow('patch', 'bare Fastify PATCH', bare.measurement),
  ]
}

/**
 * Soft deprovisioning (docs/accounts.md, *Lifecycle*): `PATCH /Users/{id}` with `active: false`
 * suspends the account, revokes its sessions and tokens and takes it out of every team a group
 * gave it, in the PATCH's transaction. Its cost must not grow with what the account has: a user
 * in 50 linked teams with 100 sessions against one in 1 linked team with 1 session (both in 50
 * groups, so that their SCIM answers are alike), each
 * deactivated once (many prepared users, no reactivation between rounds, so that every
 * deactivation finds the same amount to undo), in alternating rounds. Target: cost <= 1.3x.
 */
import { issueCredential } from '../../src/provisioning/accounts/credentials.js'
import { Teams } from '../../src/provisioning/teams/teams.js'
import { measureAlternating } from '../alternate.js'
import type { BenchContext, Measurement } from '../context.js'
import { costRatio } from '../cost.js'
import { spread } from '../combine.js'
import { activeBody, type PlannedRequest } from '../plan.js'
import { target, type Row } from '../report.js'
import { createGroupsIn, inParallel, sendAll, type AccountsBench, type BenchTenant } from './accounts-setup.js'
import { patch } from './patch-members.js'

export const DEACTIVATE_COST_TARGET = 1.3
export const HEAVY_TEAMS = 50
export const HEAVY_SESSIONS = 100
export const DEACTIVATE_ROUNDS = 6
export const DEACTIVATE_WARMUP = 8
const CREDENTIAL_LANES = 8
/**
 * Few connections: an IdP deactivates users one after another, and a deep queue of PATCHes at
 * the server would make each one's latency mostly the wait for the others.
 */
const DEACTIVATE_CONNECTIONS = 2

/** Deactivations measured per side: every one needs a prepared user. */
export function deactivations(quick: boolean): number {
  // 100 per round: at 50 per round one stall of the machine moved a round's ratio by 0.7.
  return quick ? 60 : 600
}

/** Enterprise users the workload prepares (both sides, warm-ups included). */
export function deactivateUsersNeeded(quick: boolean): number {
  return 2 * (deactivations(quick) + DEACTIVATE_WARMUP)
}

const deactivate = (base: string, id: string): PlannedRequest => ({ method: 'PATCH', path: `${base}/Users/${id}`, body: activeBody(false) })

/**
 * `count` groups of the given users, the first `linked` of them each linked to a team of its
 * own; returns the team ids. Both sides' users are in the same number of groups: a SCIM
 * response lists a user's groups, and reading 50 of them costs about 0.2 ms on its own, which is
 * SCIM's cost whatever the accounts do. What differs is the lifecycle's share: teams and
 * sessions.
 */
async function linkedGroups(ctx: BenchContext, ent: BenchTenant, name: string, count: number, linked: number, members: string[]): Promise<string[]> {
  const groups = await createGroupsIn(ctx, ent, name, count)
  await sendAll(ctx, ent.endpoint, `adding members to the ${name} groups`, groups.map((id) => patch(ent.endpoint.basePath, id, members)))
  const teams = new Teams(ent.store)
  return inParallel(groups.slice(0, linked), 4, async (groupId, g) => {
    const team = await teams.create({ name: `${name}-${g}` })
    await teams.link(team.id, groupId)
    return team.id
  })
}

async function sessions(ent: BenchTenant, accountIds: readonly string[], each: number): Promise<number> {
  const jobs = accountIds.flatMap((accountId) => Array.from({ length: each }, (_, s) => ({ accountId, s })))
  await inParallel(jobs, CREDENTIAL_LANES, ({ accountId, s }) => issueCredential(ent.store, accountId, 'session', { name: `bench ${s}` }))
  return jobs.length
}

/** What a deactivation must have done to the account of `scimUserId`; a problem, or undefined. */
async function checkSuspended(ent: BenchTenant, scimUserId: string, sessionsHad: number): Promise<string | undefined> {
  return ent.store.transaction(async (tx) => {
    const account = await tx.accounts.byScimUser(scimUserId)
    if (!account) return `check: SCIM user ${scimUserId} has no account`
    if (account.state !== 'suspended') return `check: the account of ${scimUserId} is ${account.state}, not suspended`
    const credentials = await tx.accounts.credentials(account.id)
    const revoked = credentials.filter((c) => c.revokedAt !== null).length
    if (credentials.length !== sessionsHad || revoked !== sessionsHad) {
      return `check: the account of ${scimUserId} has ${credentials.length} sessions, ${revoked} revoked; expected ${sessionsHad}, all revoked`
    }
    return undefined
  })
}

/** Members as the product counts them: a linked team's are its group's active members. */
async function teamMembers(ent: BenchTenant, teamIds: readonly string[]): Promise<number> {
  const teams = new Teams(ent.store)
  let n = 0
  for (const id of teamIds) n += (await teams.get(id)).memberCount
  return n
}

export async function deactivateUsers(ctx: BenchContext, setup: AccountsBench): Promise<Row[]> {
  const { options } = ctx
  const ent = await setup.tenant('enterprise')
  const perSide = deactivations(options.quick) + DEACTIVATE_WARMUP
  const heavy = setup.take(perSide)
  const light = setup.take(perSide)

  ctx.log(`deactivate: ${HEAVY_TEAMS} groups of ${perSide} users each linked to a team, and ${HEAVY_TEAMS} of ${perSide} with 1 linked`)
  const heavyTeams = await linkedGroups(ctx, ent, 'deact-heavy', HEAVY_TEAMS, HEAVY_TEAMS, heavy)
  const lightTeams = await linkedGroups(ctx, ent, 'deact-light', HEAVY_TEAMS, 1, light)
  const heavyAccounts = await setup.accountIds(ent, heavy)
  const lightAccounts = await setup.accountIds(ent, light)
  ctx.log(`deactivate: ${HEAVY_SESSIONS} sessions for each of ${perSide} accounts, 1 for each of ${perSide}`)
  const issuing = performance.now()
  const issued = (await sessions(ent, heavyAccounts, HEAVY_SESSIONS)) + (await sessions(ent, lightAccounts, 1))
  ctx.log(`deactivate: ${issued} sessions issued in ${((performance.now() - issuing) / 1000).toFixed(1)} s`)
  const before = { heavy: await teamMembers(ent, heavyTeams), light: await teamMembers(ent, lightTeams) }
  const problems: string[] = []
  if (before.heavy !== HEAVY_TEAMS * perSide || before.light !== perSide) {
    problems.push(
      `check: before deactivating, the teams held ${before.heavy} and ${before.light} members; ` +
        `expected ${HEAVY_TEAMS * perSide} and ${perSide}`,
    )
  }

  const base = ent.endpoint.basePath
  const { combined, rounds } = await measureAlternating(
    ctx,
    [
      { name: 'heavy', endpoint: ent.endpoint, requests: heavy.map((id) => deactivate(base, id)) },
      { name: 'light', endpoint: ent.endpoint, requests: light.map((id) => deactivate(base, id)) },
    ],
    { rounds: DEACTIVATE_ROUNDS, warmup: DEACTIVATE_WARMUP, connections: DEACTIVATE_CONNECTIONS, what: 'deactivate' },
  )
  for (const id of [...heavy, ...light]) setup.suspended.add(id)

  const after = { heavy: await teamMembers(ent, heavyTeams), light: await teamMembers(ent, lightTeams) }
  if (after.heavy !== 0 || after.light !== 0) {
    problems.push(`check: after deactivating every member, the teams still held ${after.heavy} and ${after.light} members`)
  }
  for (const [id, had] of [
    [heavy.at(-1)!, HEAVY_SESSIONS],
    [light.at(-1)!, 1],
  ] as const) {
    const problem = await checkSuspended(ent, id, had)
    if (problem !== undefined) problems.push(problem)
  }

  const h = combined.get('heavy') as Measurement
  const l = combined.get('light') as Measurement
  h.errorSamples.unshift(...problems)
  const { cost, p50Ratio, rateRatio } = costRatio(l, h)
  const perRound = (rounds.get('heavy') ?? []).map((r, i) => {
    const other = rounds.get('light')?.[i]?.measurement
    return other === undefined ? Number.NaN : costRatio(other, r.measurement).cost
  })
  const measured = deactivations(options.quick)
  return [
    {
      workload: 'deactivate',
      label: `deactivate user in ${HEAVY_TEAMS} teams, ${HEAVY_SESSIONS} sessions`,
      kind: 'workload',
      measurement: h,
      ratio: { value: cost, of: 'cost of 1+1' },
      target: target(`<= ${DEACTIVATE_COST_TARGET.toFixed(2)}x cost of 1 team+1 session`, h, l.errors === 0 && cost <= DEACTIVATE_COST_TARGET),
      notes: [
        `cost = worse of p50 ratio (${p50Ratio.toFixed(2)}) and req/s ratio (${rateRatio.toFixed(2)}); per round ${spread(perRound)}`,
        `${measured} users per side, each deactivated once (PATCH active false) in ${DEACTIVATE_ROUNDS} alternating rounds ` +
          `on ${DEACTIVATE_CONNECTIONS} connections, after ${DEACTIVATE_WARMUP} unrecorded; ${issued} sessions issued first`,
      ],
    },
    {
      workload: 'deactivate',
      label: 'deactivate user in 1 team, 1 session',
      kind: 'baseline',
      measurement: l,
      notes: [],
    },
  ]
}

/**
 * A group PATCH adding 100 members (RFC 7644 §3.5.2.1) to a group linked to 3 teams, whose
 * members then join the 3 teams in the PATCH's transaction (docs/accounts.md, *Teams*), against
 * the same PATCH to a group no team is linked to, in alternating rounds on the enterprise
 * tenant. Both sides' groups receive the same users in the same order, so they grow alike.
 * Target: cost <= 1.5x.
 */
import { Teams } from '../../src/provisioning/teams/teams.js'
import { measureAlternating } from '../alternate.js'
import type { BenchContext, Measurement } from '../context.js'
import { spread } from '../combine.js'
import { costRatio } from '../cost.js'
import type { PlannedRequest } from '../plan.js'
import { target, type Row } from '../report.js'
import { createGroupsIn, inParallel, type AccountsBench } from './accounts-setup.js'
import { patch } from './patch-members.js'

export const TEAM_PATCH_COST_TARGET = 1.5
export const TEAMS_PER_GROUP = 3
export const TEAM_PATCH_GROUPS = 20
export const TEAM_PATCH_ROUNDS = 4
export const TEAM_PATCH_WARMUP = 10
const BATCH = 100

/**
 * PATCH j goes to group j mod `groups` and adds that group's batch floor(j / groups): the
 * members [batch * 100, batch * 100 + 100) of the users given, none of them in the group yet.
 */
export function patchTarget(j: number, groups: number): { group: number; batch: number } {
  return { group: j % groups, batch: Math.floor(j / groups) }
}

/** Users both sides' groups draw their batches from. */
export function teamPatchUsersNeeded(patches: number): number {
  return Math.ceil((patches + TEAM_PATCH_WARMUP) / TEAM_PATCH_GROUPS) * BATCH
}

export async function teamPatch(ctx: BenchContext, setup: AccountsBench): Promise<Row[]> {
  const { options } = ctx
  const ent = await setup.tenant('enterprise')
  const total = options.patches + TEAM_PATCH_WARMUP
  const users = setup.take(teamPatchUsersNeeded(options.patches))
  const base = ent.endpoint.basePath

  ctx.log(`team PATCH: ${TEAM_PATCH_GROUPS} groups linked to ${TEAMS_PER_GROUP} teams each, ${TEAM_PATCH_GROUPS} unlinked`)
  const linked = await createGroupsIn(ctx, ent, 'team-linked', TEAM_PATCH_GROUPS)
  const unlinked = await createGroupsIn(ctx, ent, 'team-unlinked', TEAM_PATCH_GROUPS)
  const teams = new Teams(ent.store)
  const teamsOf = await inParallel(linked, 4, async (groupId, g) => {
    const ids: string[] = []
    for (let k = 0; k < TEAMS_PER_GROUP; k++) {
      const team = await teams.create({ name: `team-linked-${g}-${k}` })
      await teams.link(team.id, groupId)
      ids.push(team.id)
    }
    return ids
  })

  const patches = (groups: readonly string[]): PlannedRequest[] =>
    Array.from({ length: total }, (_, j) => {
      const { group, batch } = patchTarget(j, groups.length)
      return patch(base, groups[group] ?? '', users.slice(batch * BATCH, batch * BATCH + BATCH))
    })
  const { combined, rounds } = await measureAlternating(
    ctx,
    [
      { name: 'linked', endpoint: ent.endpoint, requests: patches(linked) },
      { name: 'unlinked', endpoint: ent.endpoint, requests: patches(unlinked) },
    ],
    { rounds: TEAM_PATCH_ROUNDS, warmup: TEAM_PATCH_WARMUP, connections: options.patchConnections, what: 'team PATCH' },
  )

  // Every linked group's teams hold exactly the members its PATCHes gave it.
  const problems: string[] = []
  const expected = (g: number) => Math.ceil((total - g) / TEAM_PATCH_GROUPS) * BATCH
  // Counted as the product counts them: a linked team's members are its group's active members.
  for (const [g, ids] of teamsOf.entries()) {
    for (const id of ids) {
      const n = (await teams.get(id)).memberCount
      if (n !== expected(g) && problems.length < 3) problems.push(`check: team ${id} of linked group ${g} has ${n} members, expected ${expected(g)}`)
    }
  }

  const l = combined.get('linked') as Measurement
  const u = combined.get('unlinked') as Measurement
  l.errorSamples.unshift(...problems)
  const { cost, p50Ratio, rateRatio } = costRatio(u, l)
  const perRound = (rounds.get('linked') ?? []).map((r, i) => {
    const other = rounds.get('unlinked')?.[i]?.measurement
    return other === undefined ? Number.NaN : costRatio(other, r.measurement).cost
  })
  const grown = Math.ceil(total / TEAM_PATCH_GROUPS) * BATCH
  return [
    {
      workload: 'team-patch',
      label: `PATCH +100 members, group linked to ${TEAMS_PER_GROUP} teams`,
      kind: 'workload',
      measurement: l,
      ratio: { value: cost, of: 'cost unlinked' },
      target: target(`<= ${TEAM_PATCH_COST_TARGET.toFixed(2)}x cost of unlinked group`, l, u.errors === 0 && cost <= TEAM_PATCH_COST_TARGET),
      notes: [
        `cost = worse of p50 ratio (${p50Ratio.toFixed(2)}) and req/s ratio (${rateRatio.toFixed(2)}); per round ${spread(perRound)}`,
        `${options.patches} PATCHes per side over ${TEAM_PATCH_GROUPS} groups (0 -> up to ${grown} members each) in ` +
          `${TEAM_PATCH_ROUNDS} alternating rounds on ${options.patchConnections} connections, after ${TEAM_PATCH_WARMUP} unrecorded`,
      ],
    },
    {
      workload: 'team-patch',
      label: 'PATCH +100 members, unlinked group (enterprise)',
      kind: 'baseline',
      measurement: u,
      notes: [],
    },
  ]
}

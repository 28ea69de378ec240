/**
 * What accounts cost a create (docs/accounts.md): `POST /Users` on an enterprise with accounts
 * (an account and a welcome email in the outbox, in the create's transaction) and on an
 * organization with accounts (an invitation and its email), each against the same create on an
 * enterprise with `accounts: false`. The three are measured in alternating rounds (the order
 * reversed every other round) and each side's rounds combined, so that the machine's drift
 * falls on all of them alike. Target: creates/s with accounts >= 0.7x the plain create's.
 */
import { measure, type BenchContext } from '../context.js'
import { combineRounds, roundOrder, spread, type RoundResult } from '../combine.js'
import { costRatio } from '../cost.js'
import { target, type Row } from '../report.js'
import type { AccountsBench, BenchTenant, TenantName } from './accounts-setup.js'

export const ACCOUNTS_CREATE_TARGET = 0.7
export const CREATE_ROUNDS = 4
const SIDES: readonly TenantName[] = ['plain', 'enterprise', 'organization']

const LABELS: Readonly<Record<TenantName, string>> = {
  plain: 'create, plain SCIM (enterprise, accounts: false)',
  enterprise: 'create + account + welcome email (enterprise)',
  organization: 'create + invitation + email (organization)',
}

export async function accountsCreate(ctx: BenchContext, setup: AccountsBench): Promise<Row[]> {
  const { options } = ctx
  const tenants = new Map<TenantName, BenchTenant>()
  for (const name of SIDES) tenants.set(name, await setup.tenant(name))
  const rounds = new Map<TenantName, RoundResult[]>(SIDES.map((name) => [name, []]))
  const phaseMs = options.durationMs / CREATE_ROUNDS

  const run = async (name: TenantName, round: number): Promise<void> => {
    const t = tenants.get(name)!
    const first = t.ids.length
    // The first round of each side warms its code paths; later ones only open connections.
    const warmup = round === 0 ? { ms: options.warmupMs } : { requests: options.connections }
    const { measurement, result } = await measure(ctx, t.endpoint, {
      plan: { kind: 'createUser', base: t.endpoint.basePath, userNamePrefix: t.prefix, first },
      warmup,
      measure: { ms: phaseMs },
      collectIds: true,
      keepLatencies: true,
    })
    const created = result.warmupRequests + result.requests
    const ids = result.ids ?? []
    for (let k = 0; k < created; k++) t.ids.push(ids[k] ?? null)
    rounds.get(name)!.push({ measurement, latencies: result.latencies ?? [] })
  }

  for (let round = 0; round < CREATE_ROUNDS; round++) {
    const order = roundOrder(SIDES, round)
    ctx.log(`accounts create: round ${round + 1} of ${CREATE_ROUNDS} (${order.join(', ')})`)
    for (const name of order) await run(name, round)
  }

  const plainRounds = rounds.get('plain')!
  const plain = combineRounds(plainRounds)
  const rows: Row[] = []
  for (const name of ['enterprise', 'organization'] as const) {
    const own = rounds.get(name)!
    const m = combineRounds(own)
    const ratio = m.reqPerSec / plain.reqPerSec
    const perRound = own.map((r, i) => r.measurement.reqPerSec / (plainRounds[i]?.measurement.reqPerSec ?? Number.NaN))
    const { p50Ratio } = costRatio(plain, m)
    rows.push({
      workload: 'accounts-create',
      label: LABELS[name],
      kind: 'workload',
      measurement: m,
      ratio: { value: ratio, of: 'plain' },
      target: target(`>= ${ACCOUNTS_CREATE_TARGET.toFixed(2)}x plain create`, m, plain.errors === 0 && ratio >= ACCOUNTS_CREATE_TARGET),
      notes: [
        `creates/s over ${CREATE_ROUNDS} rounds alternating with the plain create: ${spread(perRound)} per round; ` +
          `p50 ${p50Ratio.toFixed(2)}x the plain create's`,
      ],
    })
  }
  rows.push({
    workload: 'accounts-create',
    label: LABELS.plain,
    kind: 'baseline',
    measurement: plain,
    notes: [
      `${CREATE_ROUNDS} rounds of ${(phaseMs / 1000).toFixed(2)} s per side on ${options.connections} connections, ` +
        'sides in turn (the order reversed every other round); each tenant starts empty',
    ],
  })
  return rows
}

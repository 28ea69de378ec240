/**
 * `userName eq` and `externalId eq` lookups (RFC 7644 §3.4.2.2): the requests every IdP sends
 * before creating a user (Okta by userName, Entra ID by externalId), of random users among
 * those loaded. With `--scale` they are measured at 10,000 users and again at `--users`, and
 * the second must cost within 1.5x of the first (a scale target).
 */
import { getJson, measure, timedPhases, type BenchContext, type Measurement } from '../context.js'
import { costAgainstBare } from '../cost.js'
import { externalId, lookupPath, userName, type LookupAttribute, type RequestPlan } from '../plan.js'
import { baselineRow, target, type Row } from '../report.js'

export const LOOKUP_RATIO_TARGET = 0.4
export const SCALE_COST_TARGET = 1.5
const ATTRIBUTES: readonly LookupAttribute[] = ['userName', 'externalId']

/** Checks once, outside measurement, that a lookup finds exactly the user asked for. */
async function check(ctx: BenchContext, attribute: LookupAttribute): Promise<string | undefined> {
  const n = ctx.userIds.length - 1
  const wanted = userName(ctx.userNamePrefix, n)
  const value = attribute === 'userName' ? wanted : externalId(ctx.userNamePrefix, n)
  const { status, body } = await getJson(ctx.scim, lookupPath(ctx.scim.basePath, attribute, value))
  const found = body as { totalResults?: unknown; Resources?: { userName?: unknown }[] }
  if (status !== 200 || found.totalResults !== 1 || found.Resources?.[0]?.userName !== wanted) {
    return `check: ${attribute} eq "${value}" answered ${status} ${JSON.stringify(body).slice(0, 300)}`
  }
  return undefined
}

export interface Lookups {
  rows: Row[]
  /** The Roster measurement of each attribute, for the --scale comparison. */
  by: Map<LookupAttribute, Measurement>
  /** The bare route measured just before them. */
  bare: Measurement
  population: number
}

export async function lookupUsers(ctx: BenchContext): Promise<Lookups> {
  const population = ctx.userIds.length
  const plan = (base: string, attribute: LookupAttribute): RequestPlan => ({
    kind: 'lookupUser',
    base,
    userNamePrefix: ctx.userNamePrefix,
    population,
    attribute,
  })
  ctx.log('lookup: bare route')
  const timed = timedPhases(ctx.options)
  const bare = await measure(ctx, ctx.bare, { plan: plan(ctx.bare.basePath, 'userName'), ...timed })
  const rows: Row[] = []
  const by = new Map<LookupAttribute, Measurement>()
  for (const attribute of ATTRIBUTES) {
    const failure = await check(ctx, attribute)
    ctx.log(`${attribute} eq lookup among ${population} users`)
    const roster = await measure(ctx, ctx.scim, { plan: plan(ctx.scim.basePath, attribute), ...timed })
    const m = roster.measurement
    if (failure !== undefined) m.errorSamples.unshift(failure)
    by.set(attribute, m)
    const ratio = m.reqPerSec / bare.measurement.reqPerSec
    rows.push({
      workload: 'lookup',
      label: `${attribute} eq lookup (${population.toLocaleString('en-US')} users)`,
      kind: 'workload',
      measurement: m,
      ratio: { value: ratio, of: 'bare' },
      target: target(`>= ${LOOKUP_RATIO_TARGET.toFixed(2)}x bare`, m, ratio >= LOOKUP_RATIO_TARGET),
      notes: [],
    })
  }
  rows.push(baselineRow('lookup', 'bare Fastify GET', bare.measurement))
  return { rows, by, bare: bare.measurement, population }
}

/**
 * The scale target: lookups at `--users` cost within 1.5x of the same lookups at 10,000. The two are
 * minutes apart, so each is taken against its own bare-route measurement (`costAgainstBare`).
 */
export function scaleRows(small: Lookups, large: Lookups): Row[] {
  return ATTRIBUTES.flatMap((attribute) => {
    const s = small.by.get(attribute)
    const l = large.by.get(attribute)
    if (s === undefined || l === undefined) return []
    const { cost, p50Ratio, rateRatio, raw, drift } = costAgainstBare(s, small.bare, l, large.bare)
    const at = (n: number) => n.toLocaleString('en-US')
    return [
      {
        workload: 'lookup',
        label: `${attribute} eq at ${at(large.population)} vs ${at(small.population)}`,
        kind: 'workload' as const,
        measurement: l,
        ratio: { value: cost, of: `cost at ${at(small.population)}` },
        target: target(
          `<= ${SCALE_COST_TARGET.toFixed(2)}x cost at ${at(small.population)}`,
          l,
          s.errors === 0 && cost <= SCALE_COST_TARGET,
        ),
        notes: [
          `at ${at(small.population)}: ${s.reqPerSec.toFixed(0)}/s, p50 ${s.p50Ms.toFixed(2)} ms; ` +
            `cost = worse of p50 ratio (${p50Ratio.toFixed(2)}) and req/s ratio (${rateRatio.toFixed(2)}), ` +
            `each over the bare route's between the two phases (p50 ${drift.p50Ratio.toFixed(2)}, ` +
            `req/s ${drift.rateRatio.toFixed(2)}); uncorrected ${raw.cost.toFixed(2)}`,
        ],
      },
    ]
  })
}

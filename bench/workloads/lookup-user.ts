/**
 * `userName eq` lookup (RFC 7644 §3.4.2.2), the request every IdP sends before creating a user,
 * of random users among those loaded.
 */
import { getJson, measure, timedPhases, type BenchContext } from '../context.js'
import { userName, type RequestPlan } from '../plan.js'
import { baselineRow, target, type Row } from '../report.js'

export const LOOKUP_RATIO_TARGET = 0.4

/** Checks once, outside measurement, that a lookup finds exactly the user asked for. */
async function check(ctx: BenchContext): Promise<string | undefined> {
  const wanted = userName(ctx.userNamePrefix, ctx.userIds.length - 1)
  const filter = encodeURIComponent(`userName eq "${wanted}"`)
  const { status, body } = await getJson(ctx.scim, `${ctx.scim.basePath}/Users?filter=${filter}`)
  const found = body as { totalResults?: unknown; Resources?: { userName?: unknown }[] }
  if (status !== 200 || found.totalResults !== 1 || found.Resources?.[0]?.userName !== wanted) {
    return `check: lookup of ${wanted} answered ${status} ${JSON.stringify(body).slice(0, 300)}`
  }
  return undefined
}

export async function lookupUser(ctx: BenchContext): Promise<Row[]> {
  const population = ctx.userIds.length
  const plan = (base: string): RequestPlan => ({
    kind: 'lookupUser',
    base,
    userNamePrefix: ctx.userNamePrefix,
    population,
  })
  const failure = await check(ctx)
  ctx.log('userName eq lookup: bare route')
  const bare = await measure(ctx, ctx.bare, { plan: plan(ctx.bare.basePath), ...timedPhases(ctx.options) })
  ctx.log(`userName eq lookup among ${population} users`)
  const roster = await measure(ctx, ctx.scim, { plan: plan(ctx.scim.basePath), ...timedPhases(ctx.options) })
  const m = roster.measurement
  if (failure !== undefined) m.errorSamples.unshift(failure)
  const ratio = m.reqPerSec / bare.measurement.reqPerSec
  return [
    {
      workload: 'lookup',
      label: `userName eq lookup (${population.toLocaleString('en-US')} users)`,
      kind: 'workload',
      measurement: m,
      ratio: { value: ratio, of: 'bare' },
      target: target(`>= ${LOOKUP_RATIO_TARGET.toFixed(2)}x bare`, m, ratio >= LOOKUP_RATIO_TARGET),
      notes: [],
    },
    baselineRow('lookup', 'bare Fastify GET', bare.measurement),
  ]
}

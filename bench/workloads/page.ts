/**
 * A page of 100 users (RFC 7644 §3.4.2.4) at a random startIndex across the directory.
 */
import { getJson, measure, timedPhases, type BenchContext } from '../context.js'
import type { RequestPlan } from '../plan.js'
import { baselineRow, type Row } from '../report.js'

export const PAGE_SIZE = 100

export async function page(ctx: BenchContext): Promise<Row[]> {
  const first = await getJson(ctx.scim, `${ctx.scim.basePath}/Users?startIndex=1&count=${PAGE_SIZE}`)
  const listed = first.body as { totalResults?: unknown; Resources?: unknown[] }
  const totalResults = typeof listed.totalResults === 'number' ? listed.totalResults : ctx.userIds.length
  const expected = Math.min(PAGE_SIZE, totalResults)
  const got = listed.Resources?.length
  const failure =
    first.status !== 200 || got !== expected
      ? `check: first page answered ${first.status} with ${got ?? 'no'} Resources, expected ${expected}`
      : undefined

  const plan = (base: string): RequestPlan => ({ kind: 'page', base, totalResults, count: PAGE_SIZE })
  ctx.log('page of 100: bare route')
  const bare = await measure(ctx, ctx.bare, { plan: plan(ctx.bare.basePath), ...timedPhases(ctx.options) })
  ctx.log(`page of 100 among ${totalResults} users`)
  const roster = await measure(ctx, ctx.scim, { plan: plan(ctx.scim.basePath), ...timedPhases(ctx.options) })
  const m = roster.measurement
  if (failure !== undefined) m.errorSamples.unshift(failure)
  return [
    {
      workload: 'page',
      label: `page of ${PAGE_SIZE} (${totalResults.toLocaleString('en-US')} users)`,
      kind: 'workload',
      measurement: m,
      ratio: { value: m.reqPerSec / bare.measurement.reqPerSec, of: 'bare' },
      notes: [],
    },
    baselineRow('page', 'bare Fastify GET', bare.measurement),
  ]
}

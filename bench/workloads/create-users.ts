/**
 * Create user (POST /Users, RFC 7644 §3.3), and loading the directory for the other workloads.
 * The first `--create-measured` creates after a warm-up are measured; the rest of `--users`
 * are loaded by the same generator and reported as an info row (creates can slow down as the
 * directory grows, and that row shows it).
 */
import { measure, type BenchContext } from '../context.js'
import { baselineRow, target, type Row } from '../report.js'

export const CREATES_PER_SECOND_TARGET = 3000
const MAX_WARMUP = 1000
/** Loading 100,000 users at a tenth of the target still finishes within this. */
const LOAD_MAX_MS = 15 * 60_000

export async function createUsers(ctx: BenchContext, report: boolean): Promise<Row[]> {
  const { options } = ctx
  const rows: Row[] = []
  const plan = (base: string, first: number) =>
    ({ kind: 'createUser', base, userNamePrefix: ctx.userNamePrefix, first }) as const

  if (report) {
    ctx.log('create user: bare route')
    const bare = await measure(ctx, ctx.bare, {
      plan: plan(ctx.bare.basePath, 0),
      warmup: { ms: options.warmupMs },
      measure: { ms: options.durationMs },
    })
    rows.push(baselineRow('create', 'bare Fastify POST', bare.measurement))
  }

  const measured = Math.min(options.createMeasured, options.users)
  const warmup = Math.min(MAX_WARMUP, options.users - measured)
  ctx.log(`create user: ${warmup} warm-up + ${measured} measured creates`)
  const first = await measure(ctx, ctx.scim, {
    plan: plan(ctx.scim.basePath, 0),
    warmup: { requests: warmup },
    measure: { requests: measured },
    collectIds: true,
    maxMs: LOAD_MAX_MS,
  })
  ctx.userIds.push(...(first.result.ids ?? []))
  if (report) {
    const bare = rows[0]?.measurement
    const m = first.measurement
    rows.unshift({
      workload: 'create',
      label: 'create user (POST /Users)',
      kind: 'workload',
      measurement: m,
      ...(bare === undefined ? {} : { ratio: { value: m.reqPerSec / bare.reqPerSec, of: 'bare' } }),
      target: target(
        `>= ${CREATES_PER_SECOND_TARGET.toLocaleString('en-US')}/s`,
        m,
        m.reqPerSec >= CREATES_PER_SECOND_TARGET,
      ),
      notes: [],
    })
  }

  const rest = options.users - ctx.userIds.length
  if (rest > 0) {
    ctx.log(`loading ${rest} more users`)
    const load = await measure(ctx, ctx.scim, {
      plan: plan(ctx.scim.basePath, ctx.userIds.length),
      warmup: { requests: 0 },
      measure: { requests: rest },
      collectIds: true,
      maxMs: LOAD_MAX_MS,
    })
    ctx.userIds.push(...(load.result.ids ?? []))
    rows.push({
      workload: 'create',
      label: `load users ${ctx.userIds.length - rest + 1}..${ctx.userIds.length}`,
      kind: 'info',
      measurement: load.measurement,
      notes: [],
    })
  }
  const missing = ctx.userIds.filter((id) => id === null).length
  if (missing > 0) {
    const note = `${missing} of ${ctx.userIds.length} users have no id (their create failed or answered no id)`
    rows[0]?.notes.push(note)
  }
  ctx.log(`directory holds ${ctx.userIds.length - missing} users created by this run`)
  return rows
}

/**
 * Create user (POST /Users, RFC 7644 §3.3), and loading the directory for the other workloads.
 * The first `--create-measured` creates after a warm-up are measured; the rest, up to `upTo`
 * users, are loaded by loadUsers (POST /Users or POST /Bulk) and reported as info rows (creates
 * can slow down as the directory grows, and those rows show it).
 */
import { measure, type BenchContext } from '../context.js'
import { baselineRow, target, type Row } from '../report.js'
import { loadUsers } from './load-users.js'

export const CREATES_PER_SECOND_TARGET = 3000
const MAX_WARMUP = 1000
/** Creating 20,000 users at a tenth of the target still finishes within this. */
const LOAD_MAX_MS = 15 * 60_000

export async function createUsers(ctx: BenchContext, report: boolean, upTo: number): Promise<Row[]> {
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

  const warmup = Math.min(MAX_WARMUP, Math.floor(upTo / 10))
  const measured = Math.min(options.createMeasured, upTo - warmup)
  ctx.log(`create user: ${warmup} warm-up + ${measured} measured creates`)
  const first = await measure(ctx, ctx.scim, {
    plan: plan(ctx.scim.basePath, 0),
    warmup: { requests: warmup },
    measure: { requests: measured },
    collectIds: true,
    maxMs: LOAD_MAX_MS,
  })
  ctx.userIds.push(...(first.result.ids ?? []))
  if (first.measurement.errors === 0) ctx.discovered.createRate = first.measurement.reqPerSec
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

  rows.push(...(await loadUsers(ctx, upTo)))
  const missing = ctx.userIds.filter((id) => id === null).length
  if (missing > 0) {
    const note = `${missing} of ${ctx.userIds.length} users have no id (their create failed or answered no id)`
    rows[0]?.notes.push(note)
  }
  ctx.log(`directory holds ${ctx.userIds.length - missing} users created by this run`)
  return rows
}

/**
 * Loading the directory beyond the measured creates: through POST /Users, or through POST /Bulk
 * (RFC 7644 §3.7) when the server offers it and it is faster. With `--load-with auto` the first
 * load measures a slice through Bulk against the measured POST /Users rate and keeps the faster
 * for the rest (and for later growth, e.g. `--scale`). Loaded users are not a workload: their
 * rows are info rows.
 */
import { getJson, measure, type BenchContext } from '../context.js'
import type { RequestPlan } from '../plan.js'
import type { Row } from '../report.js'

const LOAD_MAX_MS = 60 * 60_000
const BULK_OPERATIONS = 1000
/** Bytes per user operation in a Bulk body, with room to spare, to respect maxPayloadSize. */
const BYTES_PER_OPERATION = 450
const BULK_CONNECTIONS = 4
/** Users the Bulk probe of `--load-with auto` loads (they count towards --users). */
const PROBE_USERS = 8 * BULK_OPERATIONS

/** Operations per POST /Bulk the server accepts (RFC 7644 §5 bulk), or 0 when it has none. */
async function bulkSizeOf(ctx: BenchContext): Promise<number> {
  const { status, body } = await getJson(ctx.scim, `${ctx.scim.basePath}/ServiceProviderConfig`)
  type Bulk = { supported?: unknown; maxOperations?: unknown; maxPayloadSize?: unknown }
  const bulk = (body as { bulk?: Bulk }).bulk
  if (status !== 200 || bulk?.supported !== true) return 0
  const maxOperations = typeof bulk.maxOperations === 'number' ? bulk.maxOperations : 0
  const maxPayload = typeof bulk.maxPayloadSize === 'number' ? bulk.maxPayloadSize : 0
  return Math.max(0, Math.min(BULK_OPERATIONS, maxOperations, Math.floor(maxPayload / BYTES_PER_OPERATION)))
}

const fmt = (n: number) => n.toLocaleString('en-US')

async function loadSlice(ctx: BenchContext, how: 'post' | 'bulk', count: number, size: number): Promise<Row> {
  const first = ctx.userIds.length
  const base = ctx.scim.basePath
  const prefix = ctx.userNamePrefix
  const plan: RequestPlan =
    how === 'bulk'
      ? { kind: 'bulkCreateUsers', base, userNamePrefix: prefix, first, size, total: count }
      : { kind: 'createUser', base, userNamePrefix: prefix, first }
  const requests = how === 'bulk' ? Math.ceil(count / size) : count
  const load = await measure(ctx, ctx.scim, {
    plan,
    warmup: { requests: 0 },
    measure: { requests },
    connections: how === 'bulk' ? BULK_CONNECTIONS : ctx.options.connections,
    collectIds: true,
    maxMs: LOAD_MAX_MS,
  })
  const ids = (load.result.ids ?? []).slice(0, count)
  while (ids.length < count) ids.push(null)
  // Not push(...ids): a million arguments overflow the call stack.
  for (const id of ids) ctx.userIds.push(id)
  const usersPerSecond = (count * 1000) / load.measurement.durationMs
  const via = how === 'bulk' ? `POST /Bulk of ${size}` : 'POST /Users'
  return {
    workload: 'create',
    label: `load users ${fmt(first + 1)}..${fmt(ctx.userIds.length)} (${via})`,
    kind: 'info',
    measurement: load.measurement,
    rssTarget: false,
    notes: [`${usersPerSecond.toFixed(0)} users/s`],
  }
}

/** Grows the directory to `to` users; returns info rows. */
export async function loadUsers(ctx: BenchContext, to: number): Promise<Row[]> {
  const rows: Row[] = []
  let rest = to - ctx.userIds.length
  if (rest <= 0) return rows
  const { options, discovered } = ctx
  let how = discovered.loadWith
  if (how === undefined) {
    const size = options.loadWith === 'post' ? 0 : await bulkSizeOf(ctx)
    if (options.loadWith === 'bulk' && size === 0) {
      throw new Error('--load-with bulk: the server does not advertise bulk in /ServiceProviderConfig')
    }
    if (size === 0 || options.loadWith === 'post') how = discovered.loadWith = 'post'
    else if (options.loadWith === 'bulk') how = discovered.loadWith = 'bulk'
    else if (discovered.createRate === undefined || rest < 2 * PROBE_USERS) {
      // Too few users to be worth a probe, or no POST rate to compare with: plain creates,
      // and the choice is left to a larger load (--scale grows the directory in two steps).
      how = 'post'
    } else {
      ctx.log(`loading: probing POST /Bulk with ${PROBE_USERS} users`)
      const probe = await loadSlice(ctx, 'bulk', PROBE_USERS, size)
      rows.push(probe)
      rest -= PROBE_USERS
      const bulkRate = (PROBE_USERS * 1000) / probe.measurement.durationMs
      const bulkOk = probe.measurement.errors === 0
      how = discovered.loadWith = bulkOk && bulkRate > discovered.createRate ? 'bulk' : 'post'
      probe.notes.push(
        `probe: POST /Bulk ${bulkRate.toFixed(0)} users/s vs POST /Users ${discovered.createRate.toFixed(0)}/s ` +
          `measured: loading the rest with ${how === 'bulk' ? 'POST /Bulk' : 'POST /Users'}`,
      )
    }
  }
  ctx.log(`loading ${rest} more users with ${how === 'bulk' ? 'POST /Bulk' : 'POST /Users'}`)
  rows.push(await loadSlice(ctx, how, rest, how === 'bulk' ? await bulkSizeOf(ctx) : 1))
  return rows
}

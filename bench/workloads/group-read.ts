/**
 * `GET /Groups/{id}?excludedAttributes=members` (RFC 7644 §3.4.2.5, §3.9) of a group of
 * `--large-group` members and of an empty group: leaving the members out must make the large
 * group as cheap to read as the empty one (a scale target). A read of the large group with its members
 * is shown as an info row: its RSS column shows whether memory grows with the group (Roster
 * streams a group of more than 1,000 members page by page; compare two --large-group sizes).
 */
import { getJson, measure, timedPhases, type BenchContext } from '../context.js'
import { costRatio } from '../cost.js'
import type { PlannedRequest } from '../plan.js'
import { baselineRow, target, type Row } from '../report.js'
import { createGroups, patch } from './patch-members.js'

export const EXCLUDED_MEMBERS_COST_TARGET = 1.2
const BATCH = 100
const FILL_MAX_MS = 30 * 60_000
const WITH_MEMBERS_CONNECTIONS = 2

export async function groupRead(ctx: BenchContext): Promise<Row[]> {
  const { options } = ctx
  const large = options.largeGroup
  const known = ctx.userIds.filter((id): id is string => id !== null)
  if (known.length < large) {
    throw new Error(`group-read: needs ${large} users, the directory has ${known.length}`)
  }
  const [largeId] = await createGroups(ctx, 'read-large', 1)
  const [emptyId] = await createGroups(ctx, 'read-empty', 1)
  if (typeof largeId !== 'string' || typeof emptyId !== 'string') {
    throw new Error('group-read: POST /Groups failed')
  }

  const base = ctx.scim.basePath
  const fill = Array.from({ length: large / BATCH }, (_, b) =>
    patch(base, largeId, known.slice(b * BATCH, (b + 1) * BATCH)),
  )
  ctx.log(`group-read: filling a group with ${large} members (${fill.length} PATCHes)`)
  // One connection: concurrent adds to one group are a correctness test, not this workload.
  const filled = await measure(ctx, ctx.scim, {
    plan: { kind: 'list', requests: fill },
    warmup: { requests: 0 },
    measure: { requests: fill.length },
    connections: 1,
    maxMs: FILL_MAX_MS,
  })

  const read = (id: string, query: string): PlannedRequest => ({
    method: 'GET',
    path: `${base}/Groups/${id}${query}`,
  })
  const excluded = '?excludedAttributes=members'
  const checks: string[] = []
  if (filled.measurement.errors > 0) {
    checks.push(`check: ${filled.measurement.errors} of the PATCHes filling the group failed`)
    checks.push(...filled.measurement.errorSamples)
  }
  const withMembers = await getJson(ctx.scim, read(largeId, '').path)
  const count = (withMembers.body as { members?: unknown[] }).members?.length
  if (withMembers.status !== 200 || count !== large) {
    const got = `${withMembers.status} with ${count ?? 'no'} members`
    checks.push(`check: GET of the large group answered ${got}, expected ${large}`)
  }
  const without = await getJson(ctx.scim, read(largeId, excluded).path)
  if (without.status !== 200 || (without.body as { members?: unknown }).members !== undefined) {
    const got = `${without.status} ${JSON.stringify(without.body).slice(0, 200)}`
    checks.push(`check: excludedAttributes=members answered ${got}`)
  }

  const timed = timedPhases(options)
  ctx.log('group-read: bare route')
  const bareRequest: PlannedRequest = { method: 'GET', path: `${ctx.bare.basePath}/Groups/x${excluded}` }
  const bareRun = await measure(ctx, ctx.bare, { plan: { kind: 'repeat', request: bareRequest }, ...timed })
  ctx.log('group-read: empty group without members')
  const repeat = (request: PlannedRequest) => ({ plan: { kind: 'repeat', request } as const, ...timed })
  const empty = await measure(ctx, ctx.scim, repeat(read(emptyId, excluded)))
  ctx.log(`group-read: group of ${large} without members`)
  const big = await measure(ctx, ctx.scim, repeat(read(largeId, excluded)))
  ctx.log(`group-read: group of ${large} with members`)
  const full = await measure(ctx, ctx.scim, {
    plan: { kind: 'repeat', request: read(largeId, '') },
    ...timed,
    connections: WITH_MEMBERS_CONNECTIONS,
  })

  const answerKiB = JSON.stringify(withMembers.body).length / 1024
  const e = empty.measurement
  const l = big.measurement
  e.errorSamples.unshift(...checks)
  const { cost, p50Ratio, rateRatio } = costRatio(e, l)
  const size = large.toLocaleString('en-US')
  return [
    {
      workload: 'group-read',
      label: 'GET empty group, excludedAttributes=members',
      kind: 'workload',
      measurement: e,
      ratio: { value: e.reqPerSec / bareRun.measurement.reqPerSec, of: 'bare' },
      notes: [],
    },
    {
      workload: 'group-read',
      label: `GET group of ${size}, excludedAttributes=members`,
      kind: 'workload',
      measurement: l,
      ratio: { value: cost, of: 'cost of empty' },
      target: target(
        `<= ${EXCLUDED_MEMBERS_COST_TARGET.toFixed(2)}x cost of empty`,
        l,
        e.errors === 0 && cost <= EXCLUDED_MEMBERS_COST_TARGET,
      ),
      notes: [`cost = worse of p50 ratio (${p50Ratio.toFixed(2)}) and req/s ratio (${rateRatio.toFixed(2)})`],
    },
    {
      workload: 'group-read',
      label: `GET group of ${size} with members`,
      kind: 'info',
      measurement: full.measurement,
      ratio: { value: full.measurement.reqPerSec / bareRun.measurement.reqPerSec, of: 'bare' },
      notes: [
        `${WITH_MEMBERS_CONNECTIONS} connections; an answer of ${answerKiB.toFixed(0)} KiB`,
        `filling the group: ${fill.length} PATCHes at ${filled.measurement.reqPerSec.toFixed(0)}/s`,
      ],
    },
    baselineRow('group-read', 'bare Fastify GET group', bareRun.measurement),
  ]
}

/**
 * Linking a team to a large SCIM group (docs/accounts.md, *Reconciliation*): the link
 * reconciles the team in bounded batches, each a transaction of its own, so SCIM traffic goes
 * on meanwhile. The group holds the enterprise's first `--users` users (100,000 by default: the
 * group follows --users, so a small run stays quick). The link is asked of the server itself,
 * through the admin API (`POST /admin/v1/tenants/{t}/teams/{id}/link`), as an administrator
 * would, while the load generator sends `userName eq` lookups to the same server;
 * their p99 during the reconciliation is set against the p99 of the same lookups idle, measured
 * just before and just after. Reported: the time until reconciled and members per second.
 * Target: p99 during <= 3x idle.
 *
 * A link reads its members from the group, so it finishes in a fraction of a second: too few
 * lookups fall inside one link for a p99 to mean anything. The team is therefore linked,
 * unlinked and linked again for as long as an idle phase lasts (ending linked), and the
 * lookups of that whole window are the ones measured.
 *
 * The server does the link's work on the event loop that serves the lookups, exactly as in
 * production: a link that held it (one long statement) shows in their p99.
 */
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { COUNT_BATCH, Teams } from '../../src/provisioning/teams/teams.js'
import type { ReconcileReport } from '../../src/store/records/team.js'
import { combineRounds } from '../combine.js'
import { measure, type BenchContext } from '../context.js'
import type { RequestPlan } from '../plan.js'
import { emptyMeasurement, target, type Row } from '../report.js'
import { createGroupsIn, sendAll, type AccountsBench } from './accounts-setup.js'
import { patch } from './patch-members.js'

export const LINK_P99_TARGET = 3
/** Members per PATCH while the group is built (far below the 4 MiB body limit). */
const FILL_BATCH = 1_000
const LINK_MAX_MS = 30 * 60_000

const fmt = (n: number) => n.toLocaleString('en-US')

export async function teamLink(ctx: BenchContext, setup: AccountsBench): Promise<Row[]> {
  const { options } = ctx
  const ent = await setup.tenant('enterprise')
  const members = ent.ids.slice(0, options.users).filter((id): id is string => id !== null)
  const size = members.length
  const base = ent.endpoint.basePath

  ctx.log(`team link: building a group of ${size} members with PATCHes of ${FILL_BATCH}`)
  const [groupId] = await createGroupsIn(ctx, ent, 'link-large', 1)
  const fill = []
  for (let from = 0; from < size; from += FILL_BATCH) fill.push(patch(base, groupId!, members.slice(from, from + FILL_BATCH)))
  // One group: its PATCHes take turns on its lock whatever the connections.
  await sendAll(ctx, ent.endpoint, 'building the large group', fill, 2)
  const teams = new Teams(ent.store)
  const team = await teams.create({ name: 'link-large' })

  const plan: RequestPlan = { kind: 'lookupUser', base, userNamePrefix: ent.prefix, population: ent.ids.length, attribute: 'userName' }
  const idle = () =>
    measure(ctx, ent.endpoint, { plan, warmup: { ms: options.warmupMs }, measure: { ms: options.durationMs }, keepLatencies: true })

  ctx.log('team link: lookups, idle')
  const before = await idle()
  ctx.log(`team link: linking, and lookups until the ${fmt(size)} members are reconciled`)
  const stop = new AbortController()
  let linking: Promise<{ report: ReconcileReport | null; ms: number; links: number }> | undefined
  const { token: adminToken } = await issueAdminToken(setup.store, { name: 'bench team-link' })
  const teamPath = `${ent.endpoint.origin}/admin/v1/tenants/enterprise:${encodeURIComponent(ent.tenant.slug)}/teams/${team.id}`
  const admin = async (action: 'link' | 'unlink'): Promise<{ reconcileReport: ReconcileReport | null }> => {
    const res = await fetch(`${teamPath}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(action === 'link' ? { groupId } : {}),
    })
    const body = (await res.json()) as { reconcileReport: ReconcileReport | null; detail?: string }
    if (!res.ok) throw new Error(`team link: ${action} answered ${res.status}: ${body.detail ?? ''}`)
    return body
  }
  const link = async () => {
    const started = performance.now()
    const linked = await admin('link')
    const first = { report: linked.reconcileReport, ms: performance.now() - started }
    let links = 1
    while (performance.now() - started < options.durationMs) {
      await admin('unlink')
      await admin('link')
      links++
    }
    return { ...first, links }
  }
  const during = await measure(ctx, ent.endpoint, {
    plan,
    warmup: { ms: options.warmupMs },
    measure: { ms: LINK_MAX_MS },
    maxMs: LINK_MAX_MS,
    keepLatencies: true,
    signal: stop.signal,
    onMeasuring: () => {
      linking = link().finally(() => stop.abort())
    },
  })
  if (linking === undefined) throw new Error('team link: the lookups ended before the link started')
  const { report, ms, links } = await linking
  ctx.log('team link: lookups, idle again')
  const after = await idle()

  const problems: string[] = []
  const active = members.filter((id) => !setup.suspended.has(id)).length
  const count = (await new Teams(ent.store).get(team.id)).memberCount
  if (count !== active || report?.added !== active) {
    problems.push(`check: the team holds ${count} members and its reconciliation added ${report?.added}; the group has ${active} active members`)
  }
  const idleM = combineRounds([
    { measurement: before.measurement, latencies: before.result.latencies ?? [] },
    { measurement: after.measurement, latencies: after.result.latencies ?? [] },
  ])
  const d = during.measurement
  d.errorSamples.unshift(...problems)
  const p99Ratio = d.p99Ms / idleM.p99Ms
  const seconds = ms / 1000
  const perSecond = (report?.added ?? 0) / seconds
  return [
    {
      workload: 'team-link',
      label: `userName eq lookup while reconciling ${fmt(size)}`,
      kind: 'workload',
      measurement: d,
      ratio: { value: p99Ratio, of: 'idle p99' },
      target: target(`p99 <= ${LINK_P99_TARGET.toFixed(2)}x idle p99`, d, idleM.errors === 0 && p99Ratio <= LINK_P99_TARGET),
      notes: [
        `the lookups ran exactly while the team was linked, unlinked and linked again ${fmt(links)} times ` +
          `(${fmt(d.requests)} lookups); ` +
          `p50 ${(d.p50Ms / idleM.p50Ms).toFixed(2)}x and req/s ${(d.reqPerSec / idleM.reqPerSec).toFixed(2)}x idle`,
        'the links and unlinks were asked of the server through its admin API, one after the other',
      ],
    },
    {
      workload: 'team-link',
      label: 'userName eq lookup, idle (before and after)',
      kind: 'baseline',
      measurement: idleM,
      notes: [`${fmt(ent.ids.length)} enterprise users; before: p99 ${before.measurement.p99Ms.toFixed(2)} ms, after: ${after.measurement.p99Ms.toFixed(2)} ms`],
    },
    {
      workload: 'team-link',
      label: `link team to group of ${fmt(size)}: reconciled`,
      kind: 'summary',
      measurement: emptyMeasurement(),
      figure: `${seconds.toFixed(1)} s, ${fmt(Math.round(perSecond))}/s`,
      notes: [
        `POST …/link: ${fmt(report?.added ?? 0)} members counted in steps of ${fmt(COUNT_BATCH)}, stored rows removed in ${report?.batches ?? '?'} transaction(s) ` +
          `in ${seconds.toFixed(2)} s, ${fmt(Math.round(perSecond))} members/s; the group's size follows --users` +
          (size - active > 0 ? `; ${fmt(size - active)} of its members are suspended (deactivate workload) and join no team` : ''),
      ],
    },
  ]
}

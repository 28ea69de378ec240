/**
 * Reading the pull feed (docs/events.md): a consumer catching up on a tenant's backlog with
 * `GET /admin/v1/tenants/{t}/events?after=<next>&limit=1000`, one page after the other as a
 * real consumer does (each query needs the last answer's `next`). The backlog — 100,000 events
 * (20,000 with --quick) shaped like `user.created` with a whole user's state — is written
 * through the store in transactions of 1,000, far faster than as many SCIM creates, and
 * numbered before the read starts. Reported: events/s and each page's latency.
 */
import { randomUUID } from 'node:crypto'
import { newEvent } from '../../src/provisioning/events/emit.js'
import type { NewEvent } from '../../src/store/records/event.js'
import { measureWalk, type BenchContext } from '../context.js'
import { userBody } from '../plan.js'
import { emptyMeasurement, type Row } from '../report.js'
import type { EventsBench } from './events-setup.js'
import { feedPath, readFeedPage } from './events-figures.js'

export const FEED_EVENTS = 100_000
export const FEED_EVENTS_QUICK = 20_000
export const FEED_PAGE = 1000
const SEED_BATCH = 1000
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** The event a SCIM create of user `n` writes: its changed attributes and its new state. */
function createdEvent(n: number): NewEvent {
  const state = JSON.parse(userBody('feed', n)) as Record<string, unknown>
  const id = randomUUID()
  const now = new Date().toISOString()
  return newEvent({
    type: 'user.created',
    resourceType: 'User',
    resourceId: id,
    requestId: `bench-feed-${n}`,
    data: {
      changed: Object.keys(state).sort(),
      state: { id, ...state, meta: { resourceType: 'User', created: now, lastModified: now, version: 'W/"1"' } },
    },
  })
}

export async function feedRead(ctx: BenchContext, setup: EventsBench): Promise<Row[]> {
  const total = ctx.options.quick ? FEED_EVENTS_QUICK : FEED_EVENTS
  const t = await setup.tenant('feed')
  const tenantStore = setup.store.forTenant(t.tenant)
  const seedStarted = performance.now()
  for (let from = 0; from < total; from += SEED_BATCH) {
    const batch = Array.from({ length: Math.min(SEED_BATCH, total - from) }, (_, i) => createdEvent(from + i))
    await tenantStore.transaction((tx) => tx.events.append(batch))
  }
  // PostgreSQL numbers events after their commit; SQLite already has.
  await setup.store.sequenceEvents()
  const numbered = await tenantStore.transaction((tx) => tx.events.lastSeq())
  if (numbered !== total) throw new Error(`seeded ${total} events but the feed numbers ${numbered}`)
  const seedSeconds = (performance.now() - seedStarted) / 1000
  ctx.log(`feed read: seeded ${number.format(total)} events in ${seedSeconds.toFixed(1)} s; reading them ${FEED_PAGE} at a time`)

  const key = `enterprise:${t.tenant.slug}`
  const admin = await setup.admin()
  let read = 0
  let after = 0
  const walk = await measureWalk(ctx, admin, {
    first: feedPath(key, 0, FEED_PAGE),
    next(body) {
      const page = readFeedPage(body, after)
      read += page.count
      after = page.next
      // A short page is the end of the backlog: no empty page after it.
      return page.count < FEED_PAGE ? undefined : feedPath(key, after, FEED_PAGE)
    },
    warmup: 2,
    maxRequests: Math.ceil(total / FEED_PAGE) + 1,
  })
  const m = walk.measurement
  if (read !== total && m.errors === 0) m.errorSamples.push(`read ${read} of the ${total} events`)
  const perSecond = m.durationMs > 0 ? (read * 1000) / m.durationMs : 0
  return [
    {
      workload: 'feed-read',
      label: `feed read, pages of ${FEED_PAGE} (GET /events)`,
      kind: 'workload',
      measurement: m,
      notes: [
        `${number.format(read)} events in ${m.requests} pages on one connection, each page asked after the last answer; ` +
          'latencies are per page',
        `seeded through the store in ${seedSeconds.toFixed(1)} s (${number.format(total / seedSeconds)} events/s, numbered included)`,
      ],
    },
    {
      workload: 'feed-read',
      label: 'feed read: events per second',
      kind: 'summary',
      measurement: { ...emptyMeasurement(), errors: m.errors },
      figure: `${number.format(perSecond)} events/s`,
      notes: [],
    },
  ]
}

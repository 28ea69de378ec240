/**
 * Sequential page walks, the way IdPs import a whole directory: by `startIndex` (RFC 7644
 * §3.4.2.4; Okta imports do this) and by cursor (RFC 9865). Each walk is one client reading one
 * page after the other, count=100. The scale target: the last page of a startIndex walk costs
 * within 2x of the first.
 *
 * `--walk full` reads every page; `--walk sampled` (the default above 100,000 users) reads the
 * first 5 and the last 5 pages only, enough to compare both ends without 10,000 requests.
 */
import { getJson, measureWalk, type BenchContext, type Measurement, type Walk } from '../context.js'
import { edgeRatio, pageStarts } from '../cost.js'
import { baselineRow, emptyMeasurement, target, type Row } from '../report.js'

export const PAGE_SIZE = 100
export const LAST_PAGE_TARGET = 2
/** Pages at each end whose median latencies are compared. */
const EDGE = 5
/** First-page requests before a walk, not recorded: connection open, caches warm. */
const WARMUP = 3
/** A sampled cursor walk cannot jump to the end: it reads this many pages from the start. */
const SAMPLED_CURSOR_PAGES = 1000

interface ListAnswer {
  totalResults?: unknown
  Resources?: unknown[]
  nextCursor?: unknown
}

const fmt = (n: number) => n.toLocaleString('en-US')

function walkNotes(walk: Walk, bare: Measurement): { ratio: number; notes: string[] } {
  const edge = edgeRatio(walk.latencies, EDGE)
  return {
    ratio: edge.ratio,
    notes: [
      `median of the first ${EDGE} pages ${edge.first.toFixed(2)} ms, ` +
        `of the last ${EDGE} ${edge.last.toFixed(2)} ms`,
      `one client, one page after the other; ${(walk.measurement.reqPerSec / bare.reqPerSec).toFixed(3)}x bare`,
    ],
  }
}

/** Total users the server lists (`totalResults` of the first page), checked. */
async function totalOf(ctx: BenchContext): Promise<number> {
  const first = await getJson(ctx.scim, `${ctx.scim.basePath}/Users?startIndex=1&count=${PAGE_SIZE}`)
  const total = (first.body as ListAnswer).totalResults
  if (first.status !== 200 || typeof total !== 'number') {
    throw new Error(`walk: the first page answered ${first.status} ${JSON.stringify(first.body).slice(0, 200)}`)
  }
  return total
}

/** The bare route walked the same number of times, once for both walks. */
async function bareWalk(ctx: BenchContext, requests: number): Promise<Measurement> {
  const path = `${ctx.bare.basePath}/Users?count=${PAGE_SIZE}`
  const walk = await measureWalk(ctx, ctx.bare, {
    first: path,
    next: () => path,
    warmup: WARMUP,
    maxRequests: Math.max(requests, 2 * EDGE),
  })
  return walk.measurement
}

export async function startIndexWalk(ctx: BenchContext): Promise<Row[]> {
  const total = await totalOf(ctx)
  const mode = ctx.options.walk
  const starts = pageStarts(total, PAGE_SIZE, mode, EDGE)
  const path = (start: number) => `${ctx.scim.basePath}/Users?startIndex=${start}&count=${PAGE_SIZE}`
  const checks: string[] = []
  ctx.log(`walk: bare route, ${starts.length} requests`)
  const bare = await bareWalk(ctx, starts.length)
  const which = mode === 'full' ? 'every page' : `first and last ${EDGE} pages`
  ctx.log(`walk: ${which} by startIndex of ${total} users`)
  const walk = await measureWalk(ctx, ctx.scim, {
    first: path(starts[0] ?? 1),
    next(body, i) {
      const start = starts[i] ?? 1
      const got = (body as ListAnswer).Resources?.length
      const expected = Math.max(0, Math.min(PAGE_SIZE, total - start + 1))
      if (got !== expected && checks.length < 3) {
        checks.push(`check: startIndex=${start} answered ${got ?? 'no'} Resources, expected ${expected}`)
      }
      const next = starts[i + 1]
      return next === undefined ? undefined : path(next)
    },
    warmup: WARMUP,
    maxRequests: starts.length,
  })
  walk.measurement.errorSamples.unshift(...checks)
  const { ratio, notes } = walkNotes(walk, bare)
  const pages = Math.ceil(total / PAGE_SIZE)
  const label =
    mode === 'full'
      ? `startIndex walk, all ${fmt(pages)} pages (${fmt(total)} users)`
      : `startIndex walk, SAMPLED: first+last ${EDGE} of ${fmt(pages)} pages`
  return [
    {
      workload: 'walk',
      label,
      kind: 'workload',
      measurement: walk.measurement,
      ratio: { value: ratio, of: 'first pages' },
      target: target(
        `last <= ${LAST_PAGE_TARGET.toFixed(2)}x first page`,
        walk.measurement,
        ratio <= LAST_PAGE_TARGET,
      ),
      notes: [
        ...notes,
        mode === 'full'
          ? `full walk: every page from startIndex=1 to ${starts.at(-1) ?? 1}`
          : `sampled walk: pages 1-${EDGE} and ${pages - EDGE + 1}-${pages} only ` +
            '(--walk full reads every page)',
      ],
    },
    baselineRow('walk', 'bare Fastify GET (same walk)', bare),
  ]
}

export async function cursorWalk(ctx: BenchContext): Promise<Row[]> {
  const base = `${ctx.scim.basePath}/Users?count=${PAGE_SIZE}`
  const firstPath = `${base}&cursor=`
  const first = await getJson(ctx.scim, firstPath)
  const answer = first.body as ListAnswer
  const total = typeof answer.totalResults === 'number' ? answer.totalResults : 0
  if (first.status !== 200 || (typeof answer.nextCursor !== 'string' && total > PAGE_SIZE)) {
    const why =
      first.status !== 200
        ? `GET ?cursor=&count=${PAGE_SIZE} answered ${first.status} ${JSON.stringify(first.body).slice(0, 160)}`
        : `GET ?cursor=&count=${PAGE_SIZE} answered 200 without nextCursor (totalResults ${total})`
    ctx.log(`cursor walk skipped: ${why}`)
    return [
      {
        workload: 'cursor',
        label: 'cursor walk (RFC 9865): SKIPPED',
        kind: 'summary',
        measurement: emptyMeasurement(),
        figure: 'not supported',
        notes: [`skipped, the server does not do RFC 9865 cursor pagination: ${why}`],
      },
    ]
  }
  const pages = Math.ceil(total / PAGE_SIZE)
  const maxPages = ctx.options.walk === 'full' ? pages : Math.min(pages, SAMPLED_CURSOR_PAGES)
  let listed = 0
  const checks: string[] = []
  ctx.log(`cursor walk: bare route, ${maxPages} requests`)
  const bare = await bareWalk(ctx, maxPages)
  ctx.log(`cursor walk: ${maxPages} of ${pages} pages`)
  const walk = await measureWalk(ctx, ctx.scim, {
    first: firstPath,
    next(body) {
      const page = body as ListAnswer
      listed += page.Resources?.length ?? 0
      if (typeof page.nextCursor !== 'string' || page.nextCursor === '') return undefined
      return `${base}&cursor=${encodeURIComponent(page.nextCursor)}`
    },
    warmup: WARMUP,
    maxRequests: maxPages,
  })
  if (maxPages === pages && listed !== total) {
    checks.push(`check: the walk listed ${listed} users, totalResults was ${total}`)
  }
  walk.measurement.errorSamples.unshift(...checks)
  const { ratio, notes } = walkNotes(walk, bare)
  const label =
    maxPages === pages
      ? `cursor walk, all ${fmt(pages)} pages (${fmt(total)} users)`
      : `cursor walk, first ${fmt(maxPages)} of ${fmt(pages)} pages`
  return [
    {
      workload: 'cursor',
      label,
      kind: 'workload',
      measurement: walk.measurement,
      ratio: { value: ratio, of: 'first pages' },
      notes: [
        ...notes,
        maxPages === pages
          ? `full walk: ${fmt(listed)} users listed`
          : `sampled: a cursor walk cannot skip ahead, so it reads the first ${fmt(maxPages)} pages`,
      ],
    },
    baselineRow('cursor', 'bare Fastify GET (same walk)', bare),
  ]
}

/**
 * `roster log tail`: a tenant's provisioning log at a terminal, one aligned line per entry,
 * oldest of the last N first (as `tail` prints), and with --follow, new entries as they are
 * written, until interrupted.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { CLIENT_NAMES } from '../../provisioning/log/detect-client.js'
import { tenantBasePath } from '../../provisioning/tenants.js'
import type { Store, Tenant } from '../../store/contract.js'
import type { LogEntry, LogQuery, StatusClass } from '../../store/records/provisioning-log.js'
import { USAGE } from '../usage.js'
import { checkAction, describeTenant, expectArguments, oneOf, parse, TENANT_OPTIONS, UsageError, withTenant, type Options, type Out } from './common.js'
import { printable } from './output.js'

const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx']
const DEFAULT_LINES = 20
const MAX_LINES = 500
/** How often --follow looks for new entries. */
export const FOLLOW_INTERVAL_MS = 1000

/** Fixed widths, so that lines printed apart (--follow) still line up. */
const WIDTHS = { at: 24, status: 3, method: 6, client: 12, duration: 9, path: 44 }

/**
 * One entry as a line: time, status, method, client, duration, path (below the tenant's base
 * path, which every line would repeat), then the resource, the attributes changed, and for a
 * failure its scimType and detail.
 */
export function formatEntry(e: LogEntry, basePath = ''): string {
  const resource = e.resourceType === null ? '' : `${e.resourceType}${e.userName ? ` ${e.userName}` : e.resourceId ? ` ${e.resourceId}` : ''}`
  const why = e.status >= 400 ? [e.scimType, e.detail].filter(Boolean).join(': ') : ''
  const bulk = e.bulkIndex === null ? '' : `bulk #${e.bulkIndex} `
  const path = basePath !== '' && e.path.startsWith(`${basePath}/`) ? e.path.slice(basePath.length) : e.path
  const changed = e.changes?.length ? ` (${e.changes.map((c) => c.attribute).join(', ')})` : ''
  const notes = e.tolerances?.length ? ` {${e.tolerances.join('; ')}}` : ''
  const cells = [
    e.at.padEnd(WIDTHS.at),
    String(e.status).padEnd(WIDTHS.status),
    e.method.padEnd(WIDTHS.method),
    CLIENT_NAMES[e.client].padEnd(WIDTHS.client),
    `${e.durationMs.toFixed(1)}ms`.padStart(WIDTHS.duration),
    path.padEnd(WIDTHS.path),
    `${bulk}${resource}${changed}${why ? ` ${why}` : ''}${notes}`,
  ]
  return printable(cells.join('  ').trimEnd())
}

function lineCount(values: Options, usage: string): number {
  const given = values.lines as string | undefined
  if (given === undefined) return DEFAULT_LINES
  const n = Number(given)
  if (!/^\d+$/.test(given) || n < 1 || n > MAX_LINES) throw new UsageError(`--lines takes a whole number from 1 to ${MAX_LINES}, got '${given}'`, usage)
  return n
}

export async function logCommand(argv: string[], out: Out): Promise<void> {
  const usage = USAGE.log
  const { values, positionals } = parse(
    argv,
    { ...TENANT_OPTIONS, follow: { type: 'boolean', short: 'f' }, status: { type: 'string' }, lines: { type: 'string', short: 'n' }, json: { type: 'boolean' } },
    usage,
  )
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['tail'], values, {}, usage)
  expectArguments(action!, args, [0, 0], 'no argument', usage)
  const status = oneOf(values, 'status', STATUS_CLASSES, usage)
  const lines = lineCount(values, usage)
  await withTenant(values, usage, async (store, tenant) => {
    const base = tenantBasePath(tenant)
    const print = (e: LogEntry) => (values.json ? out(JSON.stringify(e)) : out(formatEntry(e, base)))
    const filter: Pick<LogQuery, 'status'> = status === undefined ? {} : { status }
    const page = await read(store, tenant, { ...filter, limit: lines })
    const shown = [...page].reverse()
    if (shown.length === 0 && !values.follow && !values.json) {
      out(`No ${status === undefined ? '' : `${status} `}entries in the provisioning log of ${describeTenant(tenant)}.`)
    }
    shown.forEach(print)
    if (!values.follow) return
    await follow(store, tenant, filter, page[0]?.seq ?? (await newest(store, tenant)), print)
  })
}

const read = async (store: Store, tenant: Tenant, query: LogQuery): Promise<LogEntry[]> =>
  (await store.forTenant(tenant).transaction((tx) => tx.provisioningLog.list(query))).items

/** The newest entry's seq whatever the filter (0: none), so --follow starts after it. */
const newest = async (store: Store, tenant: Tenant): Promise<number> => (await read(store, tenant, { limit: 1 }))[0]?.seq ?? 0

/** Prints entries newer than `seq` as they come, until SIGINT or SIGTERM. */
async function follow(store: Store, tenant: Tenant, filter: Pick<LogQuery, 'status'>, seq: number, print: (e: LogEntry) => void): Promise<void> {
  const stop = new AbortController()
  const end = () => stop.abort()
  process.once('SIGINT', end)
  process.once('SIGTERM', end)
  try {
    let last = seq
    while (!stop.signal.aborted) {
      for (;;) {
        const fresh = await read(store, tenant, { ...filter, after: last, limit: MAX_LINES })
        fresh.forEach(print)
        last = fresh.at(-1)?.seq ?? last
        if (fresh.length < MAX_LINES) break
      }
      await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stop.signal }).catch(() => undefined)
    }
  } finally {
    process.off('SIGINT', end)
    process.off('SIGTERM', end)
  }
}

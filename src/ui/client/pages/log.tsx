/**
 * A tenant's provisioning log, live: the newest entries first, new ones added at the top as the
 * IdP's calls are logged (the page asks for entries after the newest it has seen, every few
 * seconds, so each look reads only what is new and a few positions before), older ones by
 * cursor. Filters live in the URL,
 * so a filtered view is a link. Screen readers hear how many entries arrived, at most every
 * few seconds, never each one.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, tenantPath, withQuery } from '../api.js'
import { onNavigate } from '../router.js'
import type { LogEntryFull, LogPage, Tenant } from '../types.js'
import { Empty, ErrorNote, Link, Loading } from '../ui.js'
import { LogTime, shortPath, StatusBadge } from './log-parts.js'
import { clientName } from './tenants.js'

/** How often the live view looks for new entries. */
const POLL_MS = 2_000
/** Announcements of new entries to screen readers: at most one per this many milliseconds. */
const ANNOUNCE_MS = 10_000
const PAGE = 50
/**
 * Each poll also looks again at the last positions before the newest seen: on PostgreSQL an
 * entry whose transaction commits a moment late can appear behind one already read. Entries
 * already shown are left out; a late one takes its place by seq.
 */
const OVERLAP = 32
const POLL_PAGE = 100
/**
 * Full pages in a row after which the view starts again from the newest entries instead of
 * adding them all (a long pause, a bulk import): older ones stay a click away.
 */
const CATCH_UP_PAGES = 3

const FILTER_KEYS = ['from', 'to', 'status', 'client', 'user', 'method', 'resourceType', 'resourceId', 'requestId'] as const
type FilterKey = (typeof FILTER_KEYS)[number]
export type LogFilters = Partial<Record<FilterKey, string>>

const CLIENTS = ['entra', 'okta', 'onelogin', 'pingfederate', 'jumpcloud', 'google', 'other']
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

export function filtersOf(search: string): LogFilters {
  const params = new URLSearchParams(search)
  const filters: LogFilters = {}
  for (const k of FILTER_KEYS) {
    const v = params.get(k)?.trim()
    if (v) filters[k] = v
  }
  return filters
}

/** The log's URL in the UI with these filters: what the address bar shows, and links use. */
export const logHref = (tenantKey: string, filters: LogFilters = {}) => withQuery(`/tenants/${encodeURIComponent(tenantKey)}/log`, filters)

/** datetime-local wants local time without a zone; the URL and API carry UTC. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 19)
}
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined)

/** The query string of the page, kept in step with the back and forward buttons. */
function useSearch(): [string, (search: string) => void] {
  const [search, setSearch] = useState(location.search)
  useEffect(() => onNavigate(() => setSearch(location.search)), [])
  const push = (next: string) => {
    history.pushState(null, '', `${location.pathname}${next}`)
    setSearch(next)
  }
  return [search, push]
}

function FilterForm(props: { filters: LogFilters; apply: (f: LogFilters) => void }) {
  const [form, setForm] = useState<LogFilters>(props.filters)
  useEffect(() => setForm(props.filters), [JSON.stringify(props.filters)])
  const set = (k: FilterKey) => (e: Event) => setForm((f) => ({ ...f, [k]: (e.target as HTMLInputElement | HTMLSelectElement).value }))
  const submit = (e: Event) => {
    e.preventDefault()
    const cleaned: LogFilters = {}
    for (const k of FILTER_KEYS) {
      const v = form[k]?.trim()
      if (v) cleaned[k] = v
    }
    props.apply(cleaned)
  }
  const select = (k: FilterKey, label: string, options: [string, string][]) => (
    <div class="field">
      <label for={`log-${k}`}>{label}</label>
      <select id={`log-${k}`} value={form[k] ?? ''} onChange={set(k)}>
        <option value="">Any</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  )
  const text = (k: FilterKey, label: string, hint?: string) => (
    <div class="field">
      <label for={`log-${k}`}>{label}</label>
      <input id={`log-${k}`} value={form[k] ?? ''} onInput={set(k)} spellcheck={false} aria-describedby={hint ? `log-${k}-hint` : undefined} />
      {hint && (
        <p class="hint" id={`log-${k}-hint`}>
          {hint}
        </p>
      )}
    </div>
  )
  const time = (k: 'from' | 'to', label: string) => (
    <div class="field">
      <label for={`log-${k}`}>{label}</label>
      <input
        id={`log-${k}`}
        type="datetime-local"
        step={1}
        value={toLocalInput(form[k])}
        onInput={(e) => setForm((f) => ({ ...f, [k]: fromLocalInput((e.target as HTMLInputElement).value) }))}
      />
    </div>
  )
  const active = Object.keys(props.filters).length
  // Open on wide screens; on a phone the list comes first unless filters are in use.
  const [open] = useState(() => active > 0 || !matchMedia('(max-width: 40rem)').matches)
  return (
    <details class="panel log-filters" open={open}>
      <summary>
        Filters{active > 0 && <span class="muted"> ({active} in use)</span>}
      </summary>
      <form aria-label="Filter the provisioning log" onSubmit={submit}>
        <div class="log-filter-grid">
          {time('from', 'From (your time)')}
          {time('to', 'To (before)')}
          {select('status', 'Status', [
            ['2xx', '2xx: succeeded'],
            ['4xx', '4xx: refused'],
            ['5xx', '5xx: server error'],
          ])}
          {select('client', 'Client', CLIENTS.map((c) => [c, clientName(c) ?? c]))}
          {select('method', 'Method', METHODS.map((m) => [m, m]))}
          {select('resourceType', 'Resource type', [
            ['User', 'Users'],
            ['Group', 'Groups'],
          ])}
          {text('user', 'User', 'A SCIM id or userName')}
          {text('requestId', 'Request id')}
          {text('resourceId', 'Resource id', 'A user or group id')}
        </div>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <button type="button" class="secondary" onClick={() => props.apply({})} disabled={Object.keys(props.filters).length === 0}>
            Clear filters
          </button>
        </div>
      </form>
    </details>
  )
}

type Listing = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; items: LogEntryFull[]; olderCursor: string | undefined; next: number }

/**
 * The entries of the log with `filters`: the first page, older pages appended by cursor, and
 * while `live`, entries newer than the newest seen added at the top.
 */
function useLiveLog(tenant: Tenant, filters: LogFilters, live: boolean) {
  const path = withQuery(`${tenantPath(tenant.key)}/provisioning-log`, filters)
  const [listing, setListing] = useState<Listing>({ state: 'loading' })
  const [round, setRound] = useState(0)
  const [pollError, setPollError] = useState<unknown>(undefined)
  const [olderError, setOlderError] = useState<unknown>(undefined)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const [fresh, setFresh] = useState<Set<number>>(new Set())
  const [announcement, setAnnouncement] = useState('')
  const pending = useRef(0)
  const announcedAt = useRef(0)
  const current = useRef(listing)
  current.current = listing

  /** Which load the list is of: an older page asked for before a new load is dropped. */
  const generation = useRef(0)

  useEffect(() => {
    let alive = true
    generation.current += 1
    setListing({ state: 'loading' })
    setFresh(new Set())
    api<LogPage>('GET', withQuery(path, { limit: PAGE })).then(
      (page) => alive && setListing({ state: 'ready', items: page.items, olderCursor: page.nextCursor, next: page.next }),
      (error: unknown) => alive && setListing({ state: 'error', error }),
    )
    return () => {
      alive = false
    }
  }, [path, round])

  /** Says how many entries came since the last announcement, unless that was moments ago. */
  const announce = () => {
    if (pending.current === 0) return
    if (Date.now() - announcedAt.current < ANNOUNCE_MS) return
    const n = pending.current
    pending.current = 0
    announcedAt.current = Date.now()
    say(`${n} new ${n === 1 ? 'entry' : 'entries'} in the log.`)
  }
  const say = (text: string) => {
    // Emptied first, so the same words twice in a row are a change, and are read again.
    setAnnouncement('')
    setTimeout(() => setAnnouncement(text), 100)
  }
  const fullPages = useRef(0)

  useEffect(() => {
    if (!live || listing.state !== 'ready') return undefined
    let alive = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async () => {
      const now = current.current
      if (!alive || now.state !== 'ready') return
      if (document.hidden) {
        timer = setTimeout(poll, POLL_MS)
        return
      }
      try {
        const page = await api<LogPage>('GET', withQuery(path, { after: Math.max(0, now.next - OVERLAP), limit: POLL_PAGE }))
        if (!alive) return
        setPollError(undefined)
        const shown = new Set(now.items.map((e) => e.seq))
        const added = page.items.filter((e) => !shown.has(e.seq))
        const next = Math.max(now.next, page.next)
        if (added.length > 0 || next !== now.next) {
          // From the list as it is by then: older entries may have been added meanwhile.
          setListing((l) => {
            if (l.state !== 'ready') return l
            const have = new Set(l.items.map((e) => e.seq))
            const merged = [...added.filter((e) => !have.has(e.seq)), ...l.items]
            return { ...l, items: added.length === 0 ? l.items : merged.sort((a, b) => b.seq - a.seq), next: Math.max(l.next, next) }
          })
          if (added.length > 0) {
            setFresh((f) => new Set([...f, ...added.map((e) => e.seq)]))
            pending.current += added.length
          }
        }
        if (page.items.length < POLL_PAGE) {
          fullPages.current = 0
          announce()
          timer = setTimeout(poll, POLL_MS)
        } else if (++fullPages.current < CATCH_UP_PAGES) {
          // More are waiting: fetch them at once rather than a poll later.
          timer = setTimeout(poll, 0)
        } else {
          fullPages.current = 0
          pending.current = 0
          announcedAt.current = Date.now()
          say('Many new entries: the list starts again from the newest.')
          setRound((r) => r + 1)
        }
      } catch (error) {
        if (!alive) return
        setPollError(error)
        timer = setTimeout(poll, POLL_MS * 3)
      }
    }
    timer = setTimeout(poll, POLL_MS)
    return () => {
      alive = false
      clearTimeout(timer)
    }
    // Restarted when the filters change or the list is loaded anew, not on every new entry.
  }, [live, path, round, listing.state])

  const older = async () => {
    const now = current.current
    if (now.state !== 'ready' || now.olderCursor === undefined) return
    setLoadingOlder(true)
    setOlderError(undefined)
    const asked = generation.current
    try {
      const page = await api<LogPage>('GET', withQuery(path, { limit: PAGE, cursor: now.olderCursor }))
      if (asked !== generation.current) return
      // From the list as it is by then: new entries may have come meanwhile.
      setListing((l) => (l.state === 'ready' ? { ...l, items: [...l.items, ...page.items], olderCursor: page.nextCursor } : l))
    } catch (error) {
      setOlderError(error)
    } finally {
      setLoadingOlder(false)
    }
  }

  return { listing, pollError, olderError, loadingOlder, older, fresh, announcement, reload: () => setRound((r) => r + 1) }
}

function describeFilters(f: LogFilters): string {
  const parts: string[] = []
  if (f.status) parts.push(`status ${f.status}`)
  if (f.client) parts.push(`from ${clientName(f.client)}`)
  if (f.method) parts.push(`method ${f.method}`)
  if (f.resourceType) parts.push(`${f.resourceType.toLowerCase()}s`)
  if (f.user) parts.push(`user ${f.user}`)
  if (f.resourceId) parts.push(`resource ${f.resourceId}`)
  if (f.requestId) parts.push(`request ${f.requestId}`)
  if (f.from) parts.push(`from ${new Date(f.from).toLocaleString()}`)
  if (f.to) parts.push(`before ${new Date(f.to).toLocaleString()}`)
  return parts.join(', ')
}

function Resource(props: { entry: LogEntryFull }) {
  const e = props.entry
  if (e.resourceType === null) return <span class="muted">—</span>
  const label = e.userName ?? e.resourceId ?? ''
  return (
    <>
      <span class="muted small">{e.resourceType} </span>
      <span class="break">{label}</span>
    </>
  )
}

export function LogPageView(props: { tenant: Tenant }) {
  const { tenant } = props
  const [search, setSearch] = useSearch()
  const filters = filtersOf(search)
  const [live, setLive] = useState(true)
  const log = useLiveLog(tenant, filters, live)
  const { listing } = log
  const filtered = Object.keys(filters).length > 0
  const entryHref = (seq: number) => `/tenants/${encodeURIComponent(tenant.key)}/log/${seq}`
  const apply = (f: LogFilters) => {
    const qs = new URLSearchParams(f as Record<string, string>).toString()
    setSearch(qs ? `?${qs}` : '')
  }

  return (
    <section aria-labelledby="log-heading">
      <div class="log-head">
        <h2 id="log-heading">Provisioning log</h2>
        <div class="log-live">
          <span class={`live-dot ${live ? 'on' : ''}`} aria-hidden="true" />
          <span>{live ? 'Live' : 'Paused'}</span>
          <button type="button" class="secondary" aria-pressed={!live} onClick={() => setLive((l) => !l)}>
            {live ? 'Pause live updates' : 'Resume live updates'}
          </button>
        </div>
      </div>
      <p class="hint">
        Every SCIM call that wrote or failed{tenant.settings.logReads ? ', and every read' : ''}, newest first. Entries are kept{' '}
        {tenant.settings.logRetentionDays} days.
      </p>
      <FilterForm filters={filters} apply={apply} />
      {/* Polite and batched: a busy IdP must not make a screen reader talk without end. */}
      <p class="visually-hidden" role="status" aria-live="polite">
        {log.announcement}
      </p>
      {log.pollError !== undefined && (
        <div class="state notice">
          <p>
            <strong>Live updates are failing:</strong> {log.pollError instanceof Error ? log.pollError.message : String(log.pollError)} Trying again.
          </p>
        </div>
      )}
      {listing.state === 'loading' && <Loading what="the provisioning log" />}
      {listing.state === 'error' && <ErrorNote error={listing.error} retry={log.reload} />}
      {listing.state === 'ready' && listing.items.length === 0 && (
        <Empty>
          {filtered ? (
            <p>No entry matches these filters ({describeFilters(filters)}).{live ? ' New ones that match appear here as they are logged.' : ''}</p>
          ) : (
            <p>
              No entries yet. Once the identity provider calls this tenant's SCIM endpoint (
              <Link href={`/tenants/${encodeURIComponent(tenant.key)}/connect`}>connect an IdP</Link>), its calls appear here as they happen.
            </p>
          )}
        </Empty>
      )}
      {listing.state === 'ready' && listing.items.length > 0 && (
        <div class="table-wrap">
          <table class="log-table">
            <caption class="visually-hidden">Provisioning log entries, newest first{filtered ? `, filtered by ${describeFilters(filters)}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status</th>
                <th scope="col">Call</th>
                <th scope="col">Client</th>
                <th scope="col">Resource</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {listing.items.map((e) => (
                <tr key={e.seq} class={log.fresh.has(e.seq) ? 'fresh' : undefined}>
                  <td class="nowrap">
                    <LogTime at={e.at} />
                  </td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  <th scope="row" class="mono call">
                    <Link href={entryHref(e.seq)}>
                      {e.method} {shortPath(e.path, tenant.scimBasePath)}
                    </Link>
                    {e.bulkIndex !== null && <span class="muted small"> bulk #{e.bulkIndex}</span>}
                  </th>
                  <td>{clientName(e.client)}</td>
                  <td>
                    <Resource entry={e} />
                  </td>
                  <td class="log-detail">
                    {e.status >= 400 ? (
                      <span class="bad-text">{[e.scimType, e.detail].filter(Boolean).join(': ') || '—'}</span>
                    ) : e.changes && e.changes.length > 0 ? (
                      <span class="muted">changed {e.changes.map((c) => c.attribute).join(', ')}</span>
                    ) : (
                      <span class="muted">{e.changes ? 'no change' : '—'}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {listing.state === 'ready' && listing.olderCursor !== undefined && (
        <div class="actions">
          <button type="button" class="secondary" onClick={log.older} disabled={log.loadingOlder}>
            {log.loadingOlder ? 'Loading older entries…' : 'Show older entries'}
          </button>
        </div>
      )}
      {log.olderError !== undefined && <ErrorNote error={log.olderError} retry={log.older} title="Could not load older entries" />}
      {listing.state === 'ready' && listing.items.length > 0 && listing.olderCursor === undefined && (
        <p class="muted small">That is the oldest entry kept.</p>
      )}
    </section>
  )
}

/**
 * A tenant's events, as the pull feed gives them: paged forward by sequence number, from the
 * start, from a seq, or from the newest; filtered by type (the API looks at a bounded window of
 * seqs per page, so a page of a rare type may be empty and Next looks further). Each event's
 * payload opens in place: enough to answer "did my change produce an event, and what did it say".
 */
import { useState } from 'preact/hooks'
import { tenantPath, withQuery } from '../api.js'
import type { FeedEvent, Tenant } from '../types.js'
import { useGet } from '../use-api.js'
import { Badge, Empty, ErrorNote, Field, Loading, Time } from '../ui.js'

const PAGE = 25

interface Feed {
  items: FeedEvent[]
  next: number
}

function TypeSelect(props: { value: string; onChange: (type: string) => void }) {
  const types = useGet<{ types: string[] }>('/event-types')
  const heads = types.state === 'ready' ? [...new Set(types.data.types.map((t) => t.split('.')[0]!))] : []
  return (
    <Field id="event-type" label="Type">
      <select id="event-type" value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)} disabled={types.state !== 'ready'}>
        <option value="">Every type</option>
        {heads.map((h) => (
          <optgroup key={h} label={h}>
            <option value={`${h}.*`}>{`${h}.* (every ${h} event)`}</option>
            {types.state === 'ready' &&
              types.data.types
                .filter((t) => t.startsWith(`${h}.`))
                .map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
          </optgroup>
        ))}
      </select>
    </Field>
  )
}

function EventItem(props: { event: FeedEvent }) {
  const e = props.event
  return (
    <li>
      <p>
        <span class="seq">#{e.seq}</span> <strong class="mono">{e.type}</strong> · <Time at={e.at} />
        {e.resourceType && (
          <span class="muted">
            {' '}
            · {e.resourceType} <span class="mono">{e.resourceId}</span>
          </span>
        )}
      </p>
      <details>
        <summary>
          Payload<span class="visually-hidden"> of event {e.seq}</span>
        </summary>
        <dl class="facts small">
          <dt>id</dt>
          <dd class="mono">{e.id}</dd>
          <dt>request</dt>
          <dd class="mono">{e.requestId ?? '—'}</dd>
          <dt>log entry</dt>
          <dd class="mono">{e.logEntryId ?? '—'}</dd>
        </dl>
        {/* Focusable: a long payload scrolls inside its box, and keyboard users must reach it. */}
        <pre class="payload" tabIndex={0} role="region" aria-label={`Data of event ${e.seq}`}>
          {JSON.stringify(e.data, null, 2)}
        </pre>
      </details>
    </li>
  )
}

export function Events(props: { tenant: Tenant }) {
  const base = `${tenantPath(props.tenant.key)}/events`
  // The `after` of every page seen, so Previous goes back (the feed reads forward only).
  const [afters, setAfters] = useState<number[]>([0])
  const [type, setType] = useState('')
  const [start, setStart] = useState('')
  const after = afters[afters.length - 1]!
  const feed = useGet<Feed>(withQuery(base, { after, limit: PAGE, type: type || undefined }))
  const last = useGet<{ seq: number }>(`${base}/last`)
  const lastSeq = last.state === 'ready' ? last.data.seq : undefined

  const go = (from: number) => setAfters([Math.max(0, from)])
  const refresh = () => {
    feed.reload()
    last.reload()
  }
  const next = feed.state === 'ready' ? feed.data.next : after
  const hasNext = feed.state === 'ready' && next > after && (lastSeq === undefined || next < lastSeq)
  // Seqs have no gaps: without a type filter, the page before any page is the PAGE events before it.
  const hasPrev = afters.length > 1 || (!type && after > 0)
  const previous = () => (afters.length > 1 ? setAfters((a) => a.slice(0, -1)) : go(after - PAGE))

  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Events</h2>
      <p class="muted">
        Every change to the tenant writes an event, numbered in order. Webhook endpoints receive them; applications can read them from the API.
      </p>
      {!props.tenant.settings.events && (
        <div class="state notice" role="note">
          <p>This tenant's events setting is off: its changes write no events.</p>
        </div>
      )}
      <div class="finders">
        <TypeSelect
          value={type}
          onChange={(t) => {
            setType(t)
            setAfters([afters[0]!])
          }}
        />
        <form
          aria-label="Start from an event"
          onSubmit={(e) => {
            e.preventDefault()
            const n = Number(start.trim())
            go(Number.isInteger(n) && n > 0 ? n - 1 : 0)
          }}
        >
          <label for="event-from">From event</label>
          <div class="row">
            <input id="event-from" inputMode="numeric" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} aria-describedby="event-from-hint" />
            <button type="submit">Show</button>
          </div>
          <p class="hint" id="event-from-hint">
            A sequence number; empty: from the first event.
          </p>
        </form>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => lastSeq !== undefined && go(lastSeq - PAGE)} disabled={lastSeq === undefined}>
            Newest
          </button>
          <button type="button" class="secondary" onClick={refresh}>
            Refresh
          </button>
        </div>
      </div>
      {lastSeq !== undefined && <p class="muted small">The tenant is at event {lastSeq}.</p>}
      {feed.state === 'loading' && <Loading what="events" />}
      {feed.state === 'error' && <ErrorNote error={feed.error} retry={feed.reload} />}
      {feed.state === 'ready' && feed.data.items.length === 0 && (
        <Empty>
          {lastSeq === 0
            ? 'No events yet. Provision a user or change an account, and its events appear here.'
            : type
              ? `No ${type} events among events ${after + 1} to ${Math.max(after + 1, next)}.${hasNext ? ' Next looks further.' : ''}`
              : `No events after event ${after}.`}
        </Empty>
      )}
      {feed.state === 'ready' && feed.data.items.length > 0 && (
        <ol class="events" aria-label={`Events ${feed.data.items[0]!.seq} to ${feed.data.items.at(-1)!.seq}`}>
          {feed.data.items.map((e) => (
            <EventItem key={e.seq} event={e} />
          ))}
        </ol>
      )}
      <nav class="pager" aria-label="Events pages">
        <button type="button" class="secondary" onClick={previous} disabled={!hasPrev}>
          Previous
        </button>
        <span>
          {type ? <Badge tone="neutral">{type}</Badge> : null} after event {after}
        </span>
        <button type="button" class="secondary" onClick={() => setAfters((a) => [...a, next])} disabled={!hasNext}>
          Next
        </button>
      </nav>
    </section>
  )
}

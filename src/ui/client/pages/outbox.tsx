/**
 * The tenant's email outbox: messages with their delivery state (queued, sending, sent, failed),
 * attempts, next attempt and last error, paged and filtered by state; one message with its
 * bodies (shown as text: an email's HTML is never rendered in the admin's page); and retry for
 * a failed one.
 */
import { useState } from 'preact/hooks'
import { api, tenantPath, withQuery } from '../api.js'
import type { OutboxMessage, OutboxMessageSummary, OutboxState, Tenant } from '../types.js'
import { useGet, usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Link, Loading, Pager, Time } from '../ui.js'
import { tenantHref } from './hrefs.js'

const STATES: { state: OutboxState; label: string; tone: 'ok' | 'warn' | 'bad' | 'neutral' }[] = [
  { state: 'pending', label: 'queued', tone: 'neutral' },
  { state: 'sending', label: 'sending', tone: 'neutral' },
  { state: 'sent', label: 'sent', tone: 'ok' },
  { state: 'failed', label: 'failed', tone: 'bad' },
]

function StateBadge(props: { state: OutboxState }) {
  const s = STATES.find((x) => x.state === props.state)!
  return <Badge tone={s.tone}>{s.label}</Badge>
}

export function OutboxList(props: { tenant: Tenant }) {
  const [state, setState] = useState<OutboxState | ''>('')
  const list = usePaged<OutboxMessageSummary>(withQuery(`${tenantPath(props.tenant.key)}/outbox`, { state: state || undefined }), 25)
  const { loaded } = list
  return (
    <section aria-labelledby="outbox-heading">
      <h2 id="outbox-heading">Outbox</h2>
      <p class="muted">Email Roster sends for this tenant (welcome messages, invitations), oldest first.</p>
      <div class="field">
        <label for="outbox-state">State</label>
        <select id="outbox-state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value as OutboxState | '')}>
          <option value="">Every message</option>
          {STATES.map((s) => (
            <option key={s.state} value={s.state}>
              {s.label[0]!.toUpperCase() + s.label.slice(1)}
            </option>
          ))}
        </select>
      </div>
      {loaded.state === 'loading' && <Loading what="messages" />}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>{state ? 'No message in this state.' : 'No email yet.'}</Empty>}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Email messages{state ? ` (${state})` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((m) => (
                <tr key={m.id}>
                  <th scope="row">
                    <Link href={tenantHref(props.tenant.key, `/outbox/${encodeURIComponent(m.id)}`)}>{m.subject || '(no subject)'}</Link>
                  </th>
                  <td>{m.recipient}</td>
                  <td>
                    <StateBadge state={m.state} />
                  </td>
                  <td>{m.attempts}</td>
                  <td>{m.state === 'sent' ? <span class="muted">—</span> : <Time at={m.nextAttemptAt} />}</td>
                  <td class="bad-text">{m.lastError ?? <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="Messages" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

function Retry(props: { tenant: Tenant; message: OutboxMessage; onRetried: (m: OutboxMessage) => void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const retry = async () => {
    setBusy(true)
    setError(undefined)
    try {
      props.onRetried(await api<OutboxMessage>('POST', `${tenantPath(props.tenant.key)}/outbox/${encodeURIComponent(props.message.id)}/retry`))
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="actions">
      <button type="button" onClick={retry} disabled={busy}>
        {busy ? 'Retrying…' : 'Retry sending'}
      </button>
      {error !== undefined && <ErrorNote error={error} title="Could not retry" />}
    </div>
  )
}

export function OutboxMessagePage(props: { tenant: Tenant; messageId: string }) {
  const message = useGet<OutboxMessage>(`${tenantPath(props.tenant.key)}/outbox/${encodeURIComponent(props.messageId)}`)
  const [retried, setRetried] = useState<OutboxMessage | undefined>(undefined)
  if (message.state === 'loading') return <Loading what="the message" />
  if (message.state === 'error') return <ErrorNote error={message.error} retry={message.reload} />
  const m = retried ?? message.data
  return (
    <>
      <p class="breadcrumb">
        <Link href={tenantHref(props.tenant.key, '/outbox')}>Outbox</Link> /
      </p>
      <h2>{m.subject || '(no subject)'}</h2>
      <section aria-labelledby="delivery-heading" class="panel">
        <h3 id="delivery-heading">Delivery</h3>
        <dl class="facts">
          <dt>To</dt>
          <dd>{m.recipient}</dd>
          <dt>State</dt>
          <dd>
            <StateBadge state={m.state} />
          </dd>
          <dt>Attempts</dt>
          <dd>{m.attempts}</dd>
          <dt>{m.state === 'sent' ? 'Sent' : 'Next attempt'}</dt>
          <dd>
            <Time at={m.state === 'sent' ? m.sentAt : m.nextAttemptAt} />
          </dd>
          <dt>Last error</dt>
          <dd class={m.lastError ? 'bad-text' : undefined}>{m.lastError ?? <span class="muted">none</span>}</dd>
          <dt>Template</dt>
          <dd>{m.template}</dd>
          <dt>Queued</dt>
          <dd>
            <Time at={m.createdAt} />
          </dd>
        </dl>
        {m.state === 'failed' && <Retry tenant={props.tenant} message={m} onRetried={setRetried} />}
        <p role="status" class="ok-text">
          {retried ? 'Queued again: the sender will try it at once.' : ''}
        </p>
      </section>
      <section aria-labelledby="text-heading" class="panel">
        <h3 id="text-heading">Text</h3>
        <pre class="pre">{m.text}</pre>
      </section>
      <section aria-labelledby="html-heading" class="panel">
        <h3 id="html-heading">HTML (source)</h3>
        <pre class="pre">{m.html}</pre>
      </section>
    </>
  )
}

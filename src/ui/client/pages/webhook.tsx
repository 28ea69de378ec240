/**
 * One webhook endpoint: its state and backlog, a test event (ping) with its result, the secret's
 * rotation (the new one shown once; the old one keeps signing for the overlap the server
 * grants), changing its URL, types or enabled, deleting it, and its delivery log (paged, dead
 * letters on their own) with redelivery of one event or a rewind from a seq.
 */
import { useEffect, useState } from 'preact/hooks'
import { api, tenantPath, withQuery } from '../api.js'
import { navigate } from '../router.js'
import type { DeliveryOutcome, Tenant, WebhookDelivery, WebhookEndpoint, WebhookStatus } from '../types.js'
import { useGet, usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Field, Link, Loading, Pager, Time } from '../ui.js'
import { EventTypePicker, SecretOnce, StateBadge, webhooksHref } from './webhooks.js'

const outcomeTone = (o: DeliveryOutcome) => (o === 'delivered' ? 'ok' : o === 'failed' ? 'warn' : 'bad')

/** One attempt in a sentence: outcome, HTTP status or error, latency. */
function AttemptResult(props: { delivery: WebhookDelivery }) {
  const d = props.delivery
  return (
    <div class={`state result ${d.outcome === 'delivered' ? 'ok' : 'failed'}`} role="status">
      <p>
        <Badge tone={outcomeTone(d.outcome)}>{d.outcome}</Badge> {d.kind === 'ping' ? 'Test event' : `Event ${d.eventSeq} (${d.eventType})`}:{' '}
        {d.status !== null ? `the receiver answered ${d.status}` : 'no answer'} in {d.latencyMs} ms.
        {d.error && <> {d.error}</>}
      </p>
      {d.response && (
        <pre class="response" tabIndex={0} role="region" aria-label="The receiver's answer">
          {d.response}
        </pre>
      )}
    </div>
  )
}

function Overview(props: { tenant: Tenant; endpoint: WebhookEndpoint; statusPath: string; round: number }) {
  const { endpoint: e } = props
  const status = useGet<WebhookStatus>(props.statusPath)
  useEffect(() => {
    if (props.round > 0) status.reload()
  }, [props.round])
  return (
    <section aria-labelledby="overview-heading" class="panel">
      <h3 id="overview-heading">State</h3>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StateBadge endpoint={e} />
        </dd>
        <dt>Events</dt>
        <dd class="mono">{e.eventTypes.join(', ')}</dd>
        <dt>Done up to</dt>
        <dd>
          event {e.cursor} <span class="muted small">(delivered, not matching, or dead-lettered)</span>
        </dd>
        {e.attempts > 0 && (
          <>
            <dt>Next retry</dt>
            <dd>
              <Time at={e.nextAttemptAt} /> (after {e.attempts} failed {e.attempts === 1 ? 'attempt' : 'attempts'} at event {e.cursor + 1})
            </dd>
            <dt>Last error</dt>
            <dd class="bad-text">{e.lastError ?? '—'}</dd>
          </>
        )}
        {status.state === 'ready' && (
          <>
            <dt>Backlog</dt>
            <dd>
              {status.data.pending === 0 ? (
                'up to date'
              ) : (
                <>
                  {status.data.pending} events after the cursor (the tenant is at event {status.data.latestSeq})
                  {status.data.oldestPendingAt && (
                    <>
                      , the oldest written <Time at={status.data.oldestPendingAt} />
                    </>
                  )}
                </>
              )}
            </dd>
            <dt>Last success</dt>
            <dd>
              <Time at={status.data.lastSuccessAt} />
            </dd>
            <dt>Dead letters</dt>
            <dd>
              {status.data.deadLettersCapped ? `more than ${status.data.deadLetters}` : status.data.deadLetters}
              {status.data.lastDeadLetterAt && (
                <>
                  , the last <Time at={status.data.lastDeadLetterAt} />
                </>
              )}
            </dd>
          </>
        )}
        <dt>Secret</dt>
        <dd>
          {e.previousSecretExpiresAt && Date.parse(e.previousSecretExpiresAt) > Date.now() ? (
            <>
              rotated; the previous one also signs until <Time at={e.previousSecretExpiresAt} />
            </>
          ) : (
            'one secret'
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time at={e.createdAt} />
        </dd>
      </dl>
      {status.state === 'loading' && <Loading what="the backlog" />}
      {status.state === 'error' && <ErrorNote error={status.error} retry={status.reload} />}
    </section>
  )
}

function Actions(props: { tenant: Tenant; endpoint: WebhookEndpoint; path: string; onChanged: (e?: WebhookEndpoint) => void }) {
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [ping, setPing] = useState<WebhookDelivery | undefined>(undefined)
  const [rotated, setRotated] = useState<WebhookEndpoint | undefined>(undefined)
  const [confirm, setConfirm] = useState<'rotate' | 'delete' | undefined>(undefined)
  const run = async (what: string, work: () => Promise<void>) => {
    setBusy(what)
    setError(undefined)
    try {
      await work()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(undefined)
      setConfirm(undefined)
    }
  }
  const sendPing = () =>
    run('ping', async () => {
      setPing(undefined)
      setPing(await api<WebhookDelivery>('POST', `${props.path}/ping`))
      props.onChanged()
    })
  const rotate = () =>
    run('rotate', async () => {
      const made = await api<WebhookEndpoint>('POST', `${props.path}/rotate-secret`)
      setRotated(made)
      props.onChanged(made)
    })
  const remove = () =>
    run('delete', async () => {
      await api('DELETE', props.path)
      navigate(webhooksHref(props.tenant))
    })
  return (
    <section aria-labelledby="actions-heading" class="panel">
      <h3 id="actions-heading">Test and secret</h3>
      <div class="actions">
        <button type="button" onClick={sendPing} disabled={busy !== undefined}>
          {busy === 'ping' ? 'Sending…' : 'Send a test event'}
        </button>
        {confirm === 'rotate' ? (
          <span class="confirm">
            <button type="button" class="danger" onClick={rotate} disabled={busy !== undefined}>
              Confirm: rotate the secret
            </button>
            <button type="button" class="secondary" onClick={() => setConfirm(undefined)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" class="secondary" onClick={() => setConfirm('rotate')} disabled={busy !== undefined}>
            Rotate secret
          </button>
        )}
        {confirm === 'delete' ? (
          <span class="confirm">
            <button type="button" class="danger" onClick={remove} disabled={busy !== undefined}>
              Confirm: delete this endpoint
            </button>
            <button type="button" class="secondary" onClick={() => setConfirm(undefined)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" class="danger" onClick={() => setConfirm('delete')} disabled={busy !== undefined}>
            Delete endpoint
          </button>
        )}
      </div>
      {confirm === 'delete' && <p class="hint">Deleting stops deliveries at once and deletes the endpoint's delivery log. The events stay.</p>}
      {confirm === 'rotate' && <p class="hint">A new secret signs from now on; the current one keeps signing too for a while, so receivers can switch over.</p>}
      <p class="hint">A test event is a signed <code>webhook.ping</code>, sent now: it checks the URL and the secret without touching the endpoint's place in the events.</p>
      {ping && <AttemptResult delivery={ping} />}
      {error !== undefined && <ErrorNote error={error} />}
      {rotated?.secret && (
        <SecretOnce secret={rotated.secret} onDismiss={() => setRotated(undefined)}>
          <p>
            {rotated.previousSecretExpiresAt ? (
              <>
                The previous secret stays valid until <Time at={rotated.previousSecretExpiresAt} />: until then every delivery is signed with both, so
                receivers keep working while you roll the new one out.
              </>
            ) : (
              'The previous secret no longer signs.'
            )}
          </p>
        </SecretOnce>
      )}
    </section>
  )
}

function EditForm(props: { endpoint: WebhookEndpoint; path: string; onSaved: (e: WebhookEndpoint) => void }) {
  const { endpoint } = props
  const [url, setUrl] = useState(endpoint.url)
  const [description, setDescription] = useState(endpoint.description)
  const [types, setTypes] = useState<string[]>(endpoint.eventTypes)
  const [enabled, setEnabled] = useState(endpoint.enabled)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [saved, setSaved] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    setSaved(false)
    try {
      props.onSaved(await api<WebhookEndpoint>('PATCH', props.path, { url: url.trim(), description, eventTypes: types, enabled }))
      setSaved(true)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const changed = () => setSaved(false)
  return (
    <section aria-labelledby="edit-heading" class="panel">
      <h3 id="edit-heading">Settings</h3>
      <form onSubmit={submit}>
        <Field id="edit-url" label="URL">
          <input id="edit-url" type="url" value={url} required onInput={(e) => (changed(), setUrl((e.target as HTMLInputElement).value))} />
        </Field>
        <Field id="edit-description" label="Description">
          <input id="edit-description" value={description} maxLength={500} onInput={(e) => (changed(), setDescription((e.target as HTMLInputElement).value))} />
        </Field>
        <div class="field checkbox">
          <input id="edit-enabled" type="checkbox" checked={enabled} onChange={(e) => (changed(), setEnabled((e.target as HTMLInputElement).checked))} aria-describedby="edit-enabled-hint" />
          <label for="edit-enabled">Enabled</label>
          <p class="hint" id="edit-enabled-hint">
            A disabled endpoint is sent nothing; enabled again, it resumes where it stopped.
          </p>
        </div>
        <EventTypePicker idPrefix="edit" value={types} onChange={(t) => (changed(), setTypes(t))} />
        {error !== undefined && <ErrorNote error={error} title="Could not save" />}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save endpoint'}
          </button>
          <span role="status" class="ok-text">
            {saved ? 'Endpoint saved.' : ''}
          </span>
        </div>
      </form>
    </section>
  )
}

function RedeliverButton(props: { path: string; delivery: WebhookDelivery; onDone: (d: WebhookDelivery) => void; onError: (e: unknown) => void }) {
  const [busy, setBusy] = useState(false)
  const d = props.delivery
  const go = async () => {
    setBusy(true)
    try {
      props.onDone(await api<WebhookDelivery>('POST', `${props.path}/redeliver`, { seq: d.eventSeq }))
    } catch (err) {
      props.onError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <button type="button" class="secondary" onClick={go} disabled={busy} aria-label={`Redeliver event ${d.eventSeq}`}>
      {busy ? 'Sending…' : 'Redeliver'}
    </button>
  )
}

function Rewind(props: { path: string; onDone: (e: WebhookEndpoint) => void }) {
  const [from, setFrom] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [done, setDone] = useState<number | undefined>(undefined)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      // Sent as typed: the API explains a value that is not a seq.
      const seq = /^\d+$/.test(from.trim()) ? Number(from.trim()) : from
      props.onDone(await api<WebhookEndpoint>('POST', `${props.path}/redeliver`, { from: seq }))
      setDone(Number(seq))
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form onSubmit={submit} class="rewind" aria-label="Rewind the endpoint">
      <Field id="rewind-from" label="Deliver again from event" hint="Rewinds the endpoint: every matching event from this seq on is sent again, in order, by the deliverer.">
        <div class="row">
          <input id="rewind-from" inputMode="numeric" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} aria-describedby="rewind-from-hint" />
          <button type="submit" class="secondary" disabled={busy}>
            {busy ? 'Rewinding…' : 'Rewind'}
          </button>
        </div>
      </Field>
      {error !== undefined && <ErrorNote error={error} title="Could not rewind" />}
      <p role="status" class="ok-text">
        {done !== undefined ? `Rewound: events from ${done} on are being delivered again.` : ''}
      </p>
    </form>
  )
}

function Deliveries(props: { path: string; round: number; onChanged: (e?: WebhookEndpoint) => void }) {
  const [outcome, setOutcome] = useState<DeliveryOutcome | ''>('')
  const list = usePaged<WebhookDelivery>(withQuery(`${props.path}/deliveries`, { outcome }), 20)
  const [result, setResult] = useState<WebhookDelivery | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  useEffect(() => {
    if (props.round > 0) list.reload()
  }, [props.round])
  const { loaded } = list
  const redelivered = (d: WebhookDelivery) => {
    setError(undefined)
    setResult(d)
    list.reload()
    props.onChanged()
  }
  return (
    <section aria-labelledby="deliveries-heading" class="panel">
      <h3 id="deliveries-heading">Delivery log</h3>
      <div class="finders">
        <Field id="delivery-outcome" label="Show">
          <select id="delivery-outcome" value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value as DeliveryOutcome | '')}>
            <option value="">Every attempt</option>
            <option value="delivered">Delivered</option>
            <option value="failed">Failed (retried)</option>
            <option value="dead">Dead letters</option>
          </select>
        </Field>
        <Rewind path={props.path} onDone={(e) => (list.reload(), props.onChanged(e))} />
      </div>
      {result && <AttemptResult delivery={result} />}
      {error !== undefined && <ErrorNote error={error} title="Could not redeliver" />}
      {loaded.state === 'loading' && <Loading what="deliveries" />}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && (
        <Empty>{outcome === 'dead' ? 'No dead letters: every event got through or is still being tried.' : outcome ? `No ${outcome} attempts.` : 'Nothing sent yet. Send a test event, or wait for the next matching event.'}</Empty>
      )}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="deliveries">
            <caption class="visually-hidden">Delivery attempts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Status</th>
                <th scope="col">Latency</th>
                <th scope="col">Answer</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((d) => (
                <tr key={d.id}>
                  <th scope="row">
                    <Time at={d.at} />
                  </th>
                  <td>
                    {d.kind === 'ping' ? (
                      'test event'
                    ) : (
                      <>
                        <span class="mono">{d.eventType}</span> <span class="muted">#{d.eventSeq}</span>
                      </>
                    )}
                    <div class="muted small">
                      {d.kind === 'redelivery' ? 'redelivery' : d.kind === 'event' ? `attempt ${d.attempt}` : ''}
                    </div>
                  </td>
                  <td>
                    <Badge tone={outcomeTone(d.outcome)}>{d.outcome === 'dead' ? 'dead letter' : d.outcome}</Badge>
                  </td>
                  <td>{d.status ?? <span class="muted">none</span>}</td>
                  <td>{d.latencyMs} ms</td>
                  <td class="answer">
                    {d.error && <div class="bad-text small">{d.error}</div>}
                    {d.response ? <code class="excerpt">{d.response.length > 160 ? `${d.response.slice(0, 160)}…` : d.response}</code> : !d.error && <span class="muted">empty</span>}
                  </td>
                  <td>{d.eventSeq > 0 && <RedeliverButton path={props.path} delivery={d} onDone={redelivered} onError={setError} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="Deliveries" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

export function WebhookPage(props: { tenant: Tenant; id: string }) {
  const path = `${tenantPath(props.tenant.key)}/webhooks/${encodeURIComponent(props.id)}`
  const endpoint = useGet<WebhookEndpoint>(path)
  const [latest, setLatest] = useState<WebhookEndpoint | undefined>(undefined)
  // Bumped after anything that sends or moves the endpoint: its state and log are read again.
  const [round, setRound] = useState(0)
  const changed = (e?: WebhookEndpoint) => {
    // A rotation's answer carries the secret: shown once by Actions, not kept with the endpoint.
    if (e) setLatest({ ...e, secret: undefined })
    else endpoint.reload()
    setRound((r) => r + 1)
  }
  useEffect(() => setLatest(undefined), [endpoint.state === 'ready' ? endpoint.data : undefined])
  if (endpoint.state === 'loading') return <Loading what="the endpoint" />
  if (endpoint.state === 'error') return <ErrorNote error={endpoint.error} retry={endpoint.reload} />
  const e = latest ?? endpoint.data
  return (
    <>
      <p class="breadcrumb">
        <Link href={webhooksHref(props.tenant)}>Webhooks</Link> /
      </p>
      <div class="card-head">
        <div>
          <h2 class="url">{e.url}</h2>
          {e.description && <p class="muted">{e.description}</p>}
        </div>
        <button type="button" class="secondary" onClick={() => changed()}>
          Refresh
        </button>
      </div>
      <div class="columns">
        <Overview tenant={props.tenant} endpoint={e} statusPath={`${path}/status`} round={round} />
        <Actions tenant={props.tenant} endpoint={e} path={path} onChanged={changed} />
      </div>
      <Deliveries path={path} round={round} onChanged={changed} />
      <EditForm key={e.id} endpoint={e} path={path} onSaved={(s) => changed(s)} />
    </>
  )
}

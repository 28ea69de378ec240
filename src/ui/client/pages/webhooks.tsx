/**
 * A tenant's webhook endpoints: a paged list with each endpoint's state at a glance (enabled,
 * events pending, last attempt, dead letters), and the form to add one. The event-type filter
 * is chosen from the server's own list of types, so a misspelt type cannot select nothing.
 */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { api, tenantPath } from '../api.js'
import type { Tenant, WebhookEndpoint, WebhookStatus } from '../types.js'
import { useGet, usePaged } from '../use-api.js'
import { Badge, CopyButton, Empty, ErrorNote, Field, Link, Loading, Pager, Time } from '../ui.js'

export const webhooksHref = (tenant: Tenant) => `/tenants/${encodeURIComponent(tenant.key)}/webhooks`
export const webhookHref = (tenant: Tenant, id: string) => `${webhooksHref(tenant)}/${encodeURIComponent(id)}`

/** Types grouped by their first word (user, group, account, …), in the server's order. */
function groupsOf(types: string[]): [string, string[]][] {
  const groups = new Map<string, string[]>()
  for (const t of types) {
    const head = t.split('.')[0]!
    groups.set(head, [...(groups.get(head) ?? []), t])
  }
  return [...groups]
}

/**
 * Checkboxes for an endpoint's event types: every event (`*`), every event of a kind
 * (`user.*`), or single types. A wider choice covers the narrower ones under it, which are
 * shown checked and disabled. Types the server does not list (typed through the API) are kept.
 */
export function EventTypePicker(props: { idPrefix: string; value: string[]; onChange: (types: string[]) => void }) {
  const types = useGet<{ types: string[] }>('/event-types')
  const { value } = props
  const all = value.includes('*')
  const toggle = (type: string, on: boolean, covers: (t: string) => boolean = () => false) =>
    props.onChange(on ? [...value.filter((t) => !covers(t)), type] : value.filter((t) => t !== type))
  return (
    <fieldset class="event-types" aria-describedby={`${props.idPrefix}-types-hint`}>
      <legend>Event types</legend>
      <p class="hint" id={`${props.idPrefix}-types-hint`}>
        Which events this endpoint receives. At least one.
      </p>
      <div class="field checkbox">
        <input id={`${props.idPrefix}-all`} type="checkbox" checked={all} onChange={(e) => toggle('*', (e.target as HTMLInputElement).checked, () => true)} />
        <label for={`${props.idPrefix}-all`}>
          Every event <code>*</code>
        </label>
      </div>
      {types.state === 'loading' && <Loading what="the event types" />}
      {types.state === 'error' && <ErrorNote error={types.error} retry={types.reload} />}
      {types.state === 'ready' && (() => {
        const known = new Set(['*', ...types.data.types, ...groupsOf(types.data.types).map(([head]) => `${head}.*`)])
        const other = value.filter((t) => !known.has(t))
        return other.length > 0 ? (
          <p class="hint">
            Also kept, as set through the API: <code>{other.join(', ')}</code>
          </p>
        ) : null
      })()}
      {types.state === 'ready' && (
        <div class="type-groups">
          {groupsOf(types.data.types).map(([head, list]) => {
            const wildcard = `${head}.*`
            const whole = all || value.includes(wildcard)
            const id = `${props.idPrefix}-${head}`
            return (
              <fieldset key={head} class="type-group">
                <legend>{head}</legend>
                <div class="field checkbox">
                  <input
                    id={`${id}-any`}
                    type="checkbox"
                    checked={whole}
                    disabled={all}
                    onChange={(e) => toggle(wildcard, (e.target as HTMLInputElement).checked, (t) => t.startsWith(`${head}.`))}
                  />
                  <label for={`${id}-any`}>
                    Every {head} event <code>{wildcard}</code>
                  </label>
                </div>
                {list.map((t) => (
                  <div class="field checkbox" key={t}>
                    <input
                      id={`${props.idPrefix}-${t.replace(/\./g, '-')}`}
                      type="checkbox"
                      checked={whole || value.includes(t)}
                      disabled={whole}
                      onChange={(e) => toggle(t, (e.target as HTMLInputElement).checked)}
                    />
                    <label for={`${props.idPrefix}-${t.replace(/\./g, '-')}`} class="mono">
                      {t}
                    </label>
                  </div>
                ))}
              </fieldset>
            )
          })}
        </div>
      )}
    </fieldset>
  )
}

/** A secret shown once, after creation or rotation. */
export function SecretOnce(props: { secret: string; children?: ComponentChildren; onDismiss: () => void }) {
  return (
    <div class="secret" role="status">
      <p>
        <strong>The signing secret is shown only once.</strong> Give it to the receiver now: it verifies every delivery's{' '}
        <code>webhook-signature</code> with it.
      </p>
      {props.children}
      <div class="copy-row">
        <label for="webhook-secret" class="visually-hidden">
          Signing secret
        </label>
        <input id="webhook-secret" readOnly value={props.secret} class="mono" />
        <CopyButton text={props.secret} label="Copy the signing secret" />
      </div>
      <button type="button" class="secondary" onClick={props.onDismiss}>
        I have copied it
      </button>
    </div>
  )
}

function NewEndpoint(props: { tenant: Tenant; onCreated: () => void }) {
  const [url, setUrl] = useState('')
  const [description, setDescription] = useState('')
  const [types, setTypes] = useState<string[]>(['*'])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [created, setCreated] = useState<WebhookEndpoint | undefined>(undefined)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const made = await api<WebhookEndpoint>('POST', `${tenantPath(props.tenant.key)}/webhooks`, { url: url.trim(), description, eventTypes: types })
      setCreated(made)
      setUrl('')
      setDescription('')
      setTypes(['*'])
      props.onCreated()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="new-webhook-heading" class="panel">
      <h2 id="new-webhook-heading">Add an endpoint</h2>
      {created?.secret && (
        <SecretOnce secret={created.secret} onDismiss={() => setCreated(undefined)}>
          <p>
            Endpoint added: <Link href={webhookHref(props.tenant, created.id)}>{created.url}</Link>
          </p>
        </SecretOnce>
      )}
      <form onSubmit={submit}>
        <Field id="webhook-url" label="URL" hint="http or https; Roster POSTs each matching event here, signed (Standard Webhooks).">
          <input id="webhook-url" type="url" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} aria-describedby="webhook-url-hint" required />
        </Field>
        <Field id="webhook-description" label="Description (optional)">
          <input id="webhook-description" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} maxLength={500} />
        </Field>
        <EventTypePicker idPrefix="new" value={types} onChange={setTypes} />
        <p class="hint">A new endpoint receives the events written from now on; to send it history, rewind it from its page.</p>
        {error !== undefined && <ErrorNote error={error} title="Could not add the endpoint" />}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add endpoint'}
          </button>
        </div>
      </form>
    </section>
  )
}

/** The endpoint's state in words: disabled, retrying, or fine. */
export function StateBadge(props: { endpoint: WebhookEndpoint }) {
  const { endpoint } = props
  if (!endpoint.enabled) return <Badge tone="neutral">disabled</Badge>
  if (endpoint.attempts > 0) return <Badge tone="warn">retrying ({endpoint.attempts} failed)</Badge>
  return <Badge tone="ok">enabled</Badge>
}

function StatusCells(props: { tenant: Tenant; endpoint: WebhookEndpoint }) {
  const status = useGet<WebhookStatus>(`${tenantPath(props.tenant.key)}/webhooks/${encodeURIComponent(props.endpoint.id)}/status`)
  if (status.state === 'loading')
    return (
      <td colSpan={3}>
        <span class="muted">Loading…</span>
      </td>
    )
  if (status.state === 'error')
    return (
      <td colSpan={3}>
        <ErrorNote error={status.error} retry={status.reload} />
      </td>
    )
  const s = status.data
  return (
    <>
      <td>
        {s.pending === 0 ? (
          <span class="muted">up to date</span>
        ) : (
          <>
            {s.pending} pending
            {s.oldestPendingAt && (
              <span class="muted small">
                {' '}
                since <Time at={s.oldestPendingAt} />
              </span>
            )}
          </>
        )}
      </td>
      <td>
        {s.lastAttempt ? (
          <>
            <Badge tone={s.lastAttempt.outcome === 'delivered' ? 'ok' : s.lastAttempt.outcome === 'failed' ? 'warn' : 'bad'}>{s.lastAttempt.outcome}</Badge>{' '}
            <Time at={s.lastAttempt.at} />
          </>
        ) : (
          <span class="muted">none yet</span>
        )}
      </td>
      <td>{s.deadLetters === 0 ? <span class="muted">0</span> : <Badge tone="bad">{s.deadLettersCapped ? `${s.deadLetters}+` : s.deadLetters}</Badge>}</td>
    </>
  )
}

export function Webhooks(props: { tenant: Tenant }) {
  const list = usePaged<WebhookEndpoint>(`${tenantPath(props.tenant.key)}/webhooks`, 20)
  const { loaded } = list
  return (
    <>
      <section aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Webhook endpoints</h2>
        <p class="muted">Each endpoint receives the tenant's events in order, at least once, signed with its own secret.</p>
        {loaded.state === 'loading' && <Loading what="endpoints" />}
        {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
        {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>No webhook endpoints yet. Add one below to have events pushed to it.</Empty>}
        {loaded.state === 'ready' && loaded.data.items.length > 0 && (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Webhook endpoints</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Events</th>
                  <th scope="col">State</th>
                  <th scope="col">Backlog</th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Dead letters</th>
                </tr>
              </thead>
              <tbody>
                {loaded.data.items.map((e) => (
                  <tr key={e.id}>
                    <th scope="row">
                      <Link href={webhookHref(props.tenant, e.id)} class="url">
                        {e.url}
                      </Link>
                      {e.description && <div class="muted small">{e.description}</div>}
                    </th>
                    <td class="mono small">{e.eventTypes.join(', ')}</td>
                    <td>
                      <StateBadge endpoint={e} />
                    </td>
                    <StatusCells tenant={props.tenant} endpoint={e} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(list.hasNext || list.hasPrev) && <Pager label="Endpoints" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
      </section>
      <NewEndpoint tenant={props.tenant} onCreated={list.reload} />
    </>
  )
}

/** Tenants: each with its provisioning health at a glance, and a form to create one. */
import { useState } from 'preact/hooks'
import { api, tenantPath } from '../api.js'
import { useFocusHeading } from '../layout.js'
import { navigate } from '../router.js'
import type { Session, Tenant, TenantHealth } from '../types.js'
import { usePaged, useGet } from '../use-api.js'
import { Badge, Empty, ErrorNote, Field, Link, Loading, Pager, Time } from '../ui.js'

const CLIENT_NAMES: Record<string, string> = {
  entra: 'Entra ID',
  okta: 'Okta',
  onelogin: 'OneLogin',
  pingfederate: 'PingFederate',
  jumpcloud: 'JumpCloud',
  google: 'Google',
  other: 'Other',
}

export const clientName = (client: string | null) => (client ? (CLIENT_NAMES[client] ?? client) : null)

export const tenantLabel = (t: Pick<Tenant, 'kind' | 'slug'>) => (t.kind === 'instance' ? 'Instance' : t.slug)

function Health(props: { tenant: Tenant }) {
  const health = useGet<TenantHealth>(`${tenantPath(props.tenant.key)}/health`)
  if (health.state === 'loading') return <td colSpan={3} class="muted">Loading…</td>
  if (health.state === 'error') return <td colSpan={3}><span class="bad-text">Health unavailable: {health.error instanceof Error ? health.error.message : 'error'}</span></td>
  const h = health.data
  const errors = h.errorsCapped ? `${h.errorsLast24h}+` : String(h.errorsLast24h)
  return (
    <>
      <td>
        <Time at={h.lastSuccessAt} never="no successful call yet" />
      </td>
      <td>
        <Badge tone={h.errorsLast24h === 0 ? 'ok' : h.errorsLast24h < 10 ? 'warn' : 'bad'}>{errors}</Badge>
      </td>
      <td>{clientName(h.client) ?? <span class="muted">not detected</span>}</td>
    </>
  )
}

function CreateTenant(props: { onCreated: (t: Tenant) => void }) {
  const [kind, setKind] = useState<'organization' | 'enterprise'>('organization')
  const [slug, setSlug] = useState('')
  const [shortCode, setShortCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const tenant = await api<Tenant>('POST', '/tenants', { kind, slug: slug.trim(), ...(shortCode.trim() && { shortCode: shortCode.trim() }) })
      setSlug('')
      setShortCode('')
      props.onCreated(tenant)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="create-heading" class="panel">
      <h2 id="create-heading">Create a tenant</h2>
      <form onSubmit={submit} class="inline-form">
        <fieldset>
          <legend>Kind</legend>
          <label class="choice">
            <input type="radio" name="kind" value="organization" checked={kind === 'organization'} onChange={() => setKind('organization')} /> Organization
          </label>
          <label class="choice">
            <input type="radio" name="kind" value="enterprise" checked={kind === 'enterprise'} onChange={() => setKind('enterprise')} /> Enterprise
          </label>
        </fieldset>
        <Field id="new-slug" label="Slug" hint="Lowercase letters, digits and hyphens; it is part of the SCIM URL.">
          <input id="new-slug" required value={slug} onInput={(e) => setSlug((e.target as HTMLInputElement).value)} aria-describedby="new-slug-hint" />
        </Field>
        <Field id="new-short-code" label="Short code (optional)" hint="3 to 8 characters appended to derived logins; fixed once created.">
          <input id="new-short-code" value={shortCode} onInput={(e) => setShortCode((e.target as HTMLInputElement).value)} aria-describedby="new-short-code-hint" />
        </Field>
        {error !== undefined && <ErrorNote error={error} title="Could not create the tenant" />}
        <button type="submit" disabled={busy || slug.trim() === ''}>
          {busy ? 'Creating…' : 'Create tenant'}
        </button>
      </form>
    </section>
  )
}

export function Tenants(props: { session: Session }) {
  const heading = useFocusHeading('Tenants')
  const list = usePaged<Tenant>('/tenants', 25)
  const { loaded } = list
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        Tenants
      </h1>
      <section aria-labelledby="list-heading">
        <h2 id="list-heading" class="visually-hidden">
          All tenants
        </h2>
        {loaded.state === 'loading' && <Loading what="tenants" />}
        {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
        {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>No tenants yet. Create the first one below.</Empty>}
        {loaded.state === 'ready' && loaded.data.items.length > 0 && (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Tenants and their provisioning health</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Last successful call</th>
                  <th scope="col">Errors (24 h)</th>
                  <th scope="col">Detected IdP</th>
                </tr>
              </thead>
              <tbody>
                {loaded.data.items.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">
                      <Link href={`/tenants/${encodeURIComponent(t.key)}`}>{tenantLabel(t)}</Link>
                    </th>
                    <td>{t.kind}</td>
                    <Health tenant={t} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(list.hasNext || list.hasPrev) && <Pager label="Tenants" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
      </section>
      {props.session.tenant === null && <CreateTenant onCreated={(t) => navigate(`/tenants/${encodeURIComponent(t.key)}`)} />}
    </>
  )
}

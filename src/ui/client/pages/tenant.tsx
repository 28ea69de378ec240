/** One tenant: its heading, tabs (settings, connect an IdP, users) and the settings form. */
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, tenantPath } from '../api.js'
import { useFocusHeading } from '../layout.js'
import type { Tenant, TenantSettings } from '../types.js'
import { useGet } from '../use-api.js'
import { ErrorNote, Field, Link, Loading } from '../ui.js'
import { tenantLabel } from './tenants.js'
import { RateLimitFields, rateLimitsBody, rateLimitsDraft } from './rate-limits.js'

export type TenantTab = 'settings' | 'connect' | 'users' | 'groups' | 'teams' | 'log' | 'webhooks' | 'events' | 'outbox'

const TABS: { tab: TenantTab; label: string; path: string }[] = [
  { tab: 'settings', label: 'Settings', path: '' },
  { tab: 'connect', label: 'Connect an IdP', path: '/connect' },
  { tab: 'users', label: 'Users', path: '/users' },
  { tab: 'groups', label: 'Groups', path: '/groups' },
  { tab: 'teams', label: 'Teams', path: '/teams' },
  { tab: 'log', label: 'Provisioning log', path: '/log' },
  { tab: 'webhooks', label: 'Webhooks', path: '/webhooks' },
  { tab: 'events', label: 'Events', path: '/events' },
  { tab: 'outbox', label: 'Outbox', path: '/outbox' },
]

/** Loads the tenant and frames a page of it; `children` gets the tenant once loaded. */
export function TenantFrame(props: { tenantKey: string; tab: TenantTab; title: string; children: (tenant: Tenant, reload: () => void) => ComponentChildren }) {
  const tenant = useGet<Tenant>(tenantPath(props.tenantKey))
  const name = tenant.state === 'ready' ? tenantLabel(tenant.data) : props.tenantKey
  const heading = useFocusHeading(`${props.title} · ${name}`)
  const base = `/tenants/${encodeURIComponent(props.tenantKey)}`
  return (
    <>
      <p class="breadcrumb">
        <Link href="/tenants">Tenants</Link> /
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {name} <span class="muted small">{tenant.state === 'ready' ? tenant.data.kind : ''}</span>
      </h1>
      <nav aria-label="Tenant" class="tabs">
        <ul>
          {TABS.map((t) => (
            <li key={t.tab}>
              <Link href={base + t.path} aria-current={t.tab === props.tab ? 'page' : undefined}>
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tenant.state === 'loading' && <Loading what="the tenant" />}
      {tenant.state === 'error' && <ErrorNote error={tenant.error} retry={tenant.reload} />}
      {tenant.state === 'ready' && props.children(tenant.data, tenant.reload)}
    </>
  )
}

type Editable = Pick<TenantSettings, 'deprovisionPolicy' | 'requireScim' | 'keepEmail' | 'logRetentionDays'>

export function SettingsForm(props: { tenant: Tenant; onSaved: () => void }) {
  const { tenant } = props
  const initial = (): Editable => ({
    deprovisionPolicy: tenant.settings.deprovisionPolicy,
    requireScim: tenant.settings.requireScim,
    keepEmail: tenant.settings.keepEmail,
    logRetentionDays: tenant.settings.logRetentionDays,
  })
  const [form, setForm] = useState<Editable>(initial)
  const [retention, setRetention] = useState(String(tenant.settings.logRetentionDays))
  const [rateLimits, setRateLimits] = useState(() => rateLimitsDraft(tenant.settings.rateLimits))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [saved, setSaved] = useState(false)
  useEffect(() => {
    setForm(initial())
    setRetention(String(tenant.settings.logRetentionDays))
    setRateLimits(rateLimitsDraft(tenant.settings.rateLimits))
  }, [tenant])

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    setSaved(false)
    try {
      // Sent as typed: the API says precisely what is wrong with a value (range, type).
      const days = /^\d+$/.test(retention.trim()) ? Number(retention.trim()) : retention
      await api<TenantSettings>('PATCH', `${tenantPath(tenant.key)}/settings`, { ...form, logRetentionDays: days, rateLimits: rateLimitsBody(rateLimits) })
      setSaved(true)
      props.onSaved()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const set = <K extends keyof Editable>(key: K, value: Editable[K]) => {
    setSaved(false)
    setForm((f) => ({ ...f, [key]: value }))
  }

  return (
    <section aria-labelledby="settings-heading" class="panel">
      <h2 id="settings-heading">Settings</h2>
      <form onSubmit={submit}>
        <Field id="short-code" label="Short code" hint="Appended to every derived login; fixed when the tenant was created.">
          <input id="short-code" value={tenant.settings.shortCode ?? '(none)'} readOnly aria-describedby="short-code-hint" />
        </Field>
        <Field id="deprovision" label="When the IdP deactivates a user" hint="What active: false does to the user's account.">
          <select
            id="deprovision"
            value={form.deprovisionPolicy}
            onChange={(e) => set('deprovisionPolicy', (e.target as HTMLSelectElement).value as Editable['deprovisionPolicy'])}
            aria-describedby="deprovision-hint"
          >
            <option value="suspend">Suspend the account</option>
            <option value="remove">Remove the member and its SCIM identity</option>
          </select>
        </Field>
        <div class="field checkbox">
          <input id="require-scim" type="checkbox" checked={form.requireScim} onChange={(e) => set('requireScim', (e.target as HTMLInputElement).checked)} aria-describedby="require-scim-hint" />
          <label for="require-scim">Require SCIM</label>
          <p class="hint" id="require-scim-hint">
            Accounts the IdP manages can be changed only by the IdP (no suspending them here).
          </p>
        </div>
        <div class="field checkbox">
          <input id="keep-email" type="checkbox" checked={form.keepEmail} onChange={(e) => set('keepEmail', (e.target as HTMLInputElement).checked)} aria-describedby="keep-email-hint" />
          <label for="keep-email">Keep email when suspended</label>
          <p class="hint" id="keep-email-hint">
            A suspended account keeps its primary email.
          </p>
        </div>
        <Field id="retention" label="Provisioning log retention (days)" hint="Entries older than this are pruned; 1 to the server's maximum.">
          <input id="retention" inputMode="numeric" value={retention} onInput={(e) => { setSaved(false); setRetention((e.target as HTMLInputElement).value) }} aria-describedby="retention-hint" />
        </Field>
        <RateLimitFields
          draft={rateLimits}
          onChange={(d) => {
            setSaved(false)
            setRateLimits(d)
          }}
        />
        {error !== undefined && <ErrorNote error={error} title="Could not save" />}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
          <span role="status" class="ok-text">
            {saved ? 'Settings saved.' : ''}
          </span>
        </div>
      </form>
      <dl class="facts">
        <dt>SCIM</dt>
        <dd>{tenant.settings.scimEnabled ? 'enabled' : 'disabled'}</dd>
        <dt>Created</dt>
        <dd>{new Date(tenant.createdAt).toLocaleString()}</dd>
      </dl>
    </section>
  )
}

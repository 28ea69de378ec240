/** Connect an IdP: a guide per IdP with the tenant URL to paste, SCIM token creation (shown once), and the token list. */
import { useRef, useState } from 'preact/hooks'
import { api, tenantPath } from '../api.js'
import type { ScimToken, Tenant } from '../types.js'
import { usePaged, type Paged } from '../use-api.js'
import { Badge, CopyButton, Empty, ErrorNote, Field, Loading, Pager, Time } from '../ui.js'
import { ConnectionTest } from './connection-test.js'

interface Guide {
  readonly id: string
  readonly name: string
  readonly steps: (url: string) => string[]
}

const GUIDES: readonly Guide[] = [
  {
    id: 'entra',
    name: 'Entra ID',
    steps: () => [
      'In the Microsoft Entra admin center, open Enterprise applications, then New application, Create your own application (non-gallery).',
      'Open Provisioning, set Provisioning Mode to Automatic.',
      'Paste the tenant URL above into Tenant URL, and a SCIM token from this page into Secret Token.',
      'Select Test Connection, then Save, and assign users and groups to the application.',
    ],
  },
  {
    id: 'okta',
    name: 'Okta',
    steps: () => [
      'In the Okta admin console, create an app integration (SAML or SWA), then enable SCIM provisioning on its General tab.',
      'On the Provisioning tab, paste the tenant URL above into SCIM connector base URL; the unique identifier field is userName.',
      'Choose HTTP Header authentication and paste a SCIM token from this page.',
      'Select Test Connector Configuration, save, and turn on Create, Update and Deactivate Users under To App.',
    ],
  },
  {
    id: 'onelogin',
    name: 'OneLogin',
    steps: () => [
      'In OneLogin, add the app SCIM Provisioner with SAML 2.0 (Core Schema).',
      'On the Configuration tab, paste the tenant URL above into SCIM Base URL and a SCIM token into SCIM Bearer Token.',
      'Enable the API connection, then turn on provisioning on the Provisioning tab.',
    ],
  },
  {
    id: 'generic',
    name: 'Generic SCIM',
    steps: () => [
      'Any SCIM 2.0 client (RFC 7644) works: give it the tenant URL above as its base URL.',
      'Authenticate with the header Authorization: Bearer <SCIM token>.',
      'Users are at /Users, groups at /Groups; discovery at /ServiceProviderConfig, /Schemas and /ResourceTypes.',
    ],
  },
]

/** The guides as ARIA tabs: arrow keys move between them, as screen reader users expect. */
function GuideTabs(props: { url: string }) {
  const [selected, setSelected] = useState(0)
  const tabs = useRef<(HTMLButtonElement | null)[]>([])
  const onKey = (e: KeyboardEvent) => {
    const last = GUIDES.length - 1
    const to = e.key === 'ArrowRight' ? (selected === last ? 0 : selected + 1) : e.key === 'ArrowLeft' ? (selected === 0 ? last : selected - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : -1
    if (to < 0) return
    e.preventDefault()
    setSelected(to)
    tabs.current[to]?.focus()
  }
  const guide = GUIDES[selected]!
  return (
    <div class="guide">
      <div role="tablist" aria-label="Identity provider" class="tablist" onKeyDown={onKey}>
        {GUIDES.map((g, i) => (
          <button
            key={g.id}
            ref={(el) => void (tabs.current[i] = el)}
            type="button"
            role="tab"
            id={`tab-${g.id}`}
            aria-selected={i === selected}
            aria-controls={`panel-${g.id}`}
            tabIndex={i === selected ? 0 : -1}
            onClick={() => setSelected(i)}
          >
            {g.name}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${guide.id}`} aria-labelledby={`tab-${guide.id}`} tabIndex={0} class="tabpanel">
        <ol>
          {guide.steps(props.url).map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ol>
      </div>
    </div>
  )
}

interface Issued extends ScimToken {
  secret: string
}

function NewToken(props: { tenant: Tenant; onIssued: () => void }) {
  const [name, setName] = useState('')
  const [days, setDays] = useState('365')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [issued, setIssued] = useState<Issued | undefined>(undefined)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const body = { ...(name.trim() && { name: name.trim() }), expiresInDays: days === 'never' ? null : Number(days) }
      setIssued(await api<Issued>('POST', `${tenantPath(props.tenant.key)}/scim-tokens`, body))
      setName('')
      props.onIssued()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="new-token-heading" class="panel">
      <h2 id="new-token-heading">Create a SCIM token</h2>
      <form onSubmit={submit} class="inline-form">
        <Field id="token-name" label="Name (optional)" hint="To tell tokens apart, e.g. the IdP's name.">
          <input id="token-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-describedby="token-name-hint" />
        </Field>
        <Field id="token-days" label="Expires after">
          <select id="token-days" value={days} onChange={(e) => setDays((e.target as HTMLSelectElement).value)}>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="180">180 days</option>
            <option value="365">1 year</option>
            <option value="never">Never</option>
          </select>
        </Field>
        {error !== undefined && <ErrorNote error={error} title="Could not create the token" />}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {issued && (
        <div class="secret" role="status">
          <p>
            <strong>Copy this token now: it is shown only once.</strong>{' '}
            {issued.expiresAt ? (
              <>
                It expires <Time at={issued.expiresAt} />.
              </>
            ) : (
              'It never expires.'
            )}
          </p>
          <div class="copy-row">
            <label for="issued-secret" class="visually-hidden">
              New SCIM token
            </label>
            <input id="issued-secret" readOnly value={issued.secret} class="mono" />
            <CopyButton text={issued.secret} label="Copy the new SCIM token" />
          </div>
          <button type="button" class="secondary" onClick={() => setIssued(undefined)}>
            I have copied it
          </button>
        </div>
      )}
    </section>
  )
}

function RevokeButton(props: { tenant: Tenant; token: ScimToken; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const revoke = async () => {
    try {
      await api('DELETE', `${tenantPath(props.tenant.key)}/scim-tokens/${encodeURIComponent(props.token.id)}`)
      props.onRevoked()
    } catch (err) {
      setError(err)
    }
  }
  if (error !== undefined) return <ErrorNote error={error} />
  if (!confirming)
    return (
      <button type="button" class="secondary" onClick={() => setConfirming(true)} aria-label={`Revoke ${props.token.name} (${props.token.hint})`}>
        Revoke
      </button>
    )
  return (
    <span class="confirm">
      <button type="button" class="danger" onClick={revoke} aria-label={`Confirm: revoke ${props.token.name}`}>
        Confirm revoke
      </button>
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </span>
  )
}

function TokenList(props: { tenant: Tenant; list: Paged<ScimToken> }) {
  const { list } = props
  const { loaded } = list
  return (
    <section aria-labelledby="tokens-heading" class="panel">
      <h2 id="tokens-heading">SCIM tokens</h2>
      {loaded.state === 'loading' && <Loading what="tokens" />}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>No SCIM tokens yet: create one above and give it to the IdP.</Empty>}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">SCIM tokens of this tenant</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Token</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((t) => {
                const expired = t.expiresAt !== null && Date.parse(t.expiresAt) <= Date.now()
                return (
                  <tr key={t.id}>
                    <th scope="row">{t.name}</th>
                    <td class="mono">{t.hint}</td>
                    <td>
                      <Time at={t.lastUsedAt} />
                    </td>
                    <td>
                      <Time at={t.expiresAt} never="never" />
                    </td>
                    <td>
                      {t.revokedAt ? (
                        <Badge tone="neutral">revoked</Badge>
                      ) : expired ? (
                        <Badge tone="warn">expired</Badge>
                      ) : (
                        <RevokeButton tenant={props.tenant} token={t} onRevoked={list.reload} />
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="SCIM tokens" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

export function Connect(props: { tenant: Tenant }) {
  const url = location.origin + props.tenant.scimBasePath
  const list = usePaged<ScimToken>(`${tenantPath(props.tenant.key)}/scim-tokens`, 20)
  return (
    <>
      <section aria-labelledby="url-heading" class="panel">
        <h2 id="url-heading">Tenant URL</h2>
        <p>The SCIM base URL to paste into the identity provider:</p>
        <div class="copy-row">
          <label for="tenant-url" class="visually-hidden">
            Tenant URL
          </label>
          <input id="tenant-url" readOnly value={url} class="mono" />
          <CopyButton text={url} label="Copy the tenant URL" />
        </div>
        <GuideTabs url={url} />
      </section>
      <NewToken tenant={props.tenant} onIssued={list.reload} />
      <ConnectionTest tenant={props.tenant} />
      <TokenList tenant={props.tenant} list={list} />
    </>
  )
}

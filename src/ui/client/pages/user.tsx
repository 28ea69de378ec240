/**
 * One user: the SCIM attributes the IdP sent, the account and its state, groups, its login
 * history (login-history.tsx), and the provisioning history (the log filtered by this user) with each change as a
 * before/after diff. Suspending goes through the API, which refuses it under require-SCIM; the
 * refusal is explained rather than shown as a failure.
 */
import { useState } from 'preact/hooks'
import { api, ApiError, tenantPath, withQuery } from '../api.js'
import type { Account, LogEntry, ScimUserDetails, Tenant } from '../types.js'
import { useGet, usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Link, Loading, Pager, Time } from '../ui.js'
import { logHref } from './log.js'
import { Diff, show } from './log-parts.js'
import { clientName } from './tenants.js'
import { LoginHistory } from './login-history.js'

export function Attributes(props: { resource: Record<string, unknown> }) {
  const entries = Object.entries(props.resource).filter(([k]) => k !== 'schemas' && k !== 'meta')
  return (
    <dl class="attributes">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd class={typeof v === 'object' ? 'mono pre' : undefined}>{show(v)}</dd>
        </div>
      ))}
    </dl>
  )
}

function SuspendControl(props: { tenant: Tenant; account: Account; onChanged: (a: Account) => void }) {
  const { account } = props
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<unknown>(undefined)
  if (account.state === 'deleted') return null
  const action = account.state === 'active' ? 'suspend' : 'unsuspend'
  const run = async () => {
    setBusy(true)
    setRefusal(undefined)
    try {
      props.onChanged(await api<Account>('POST', `${tenantPath(props.tenant.key)}/accounts/${encodeURIComponent(account.id)}/${action}`))
    } catch (err) {
      setRefusal(err)
    } finally {
      setBusy(false)
    }
  }
  const requireScim = refusal instanceof ApiError && refusal.status === 403
  return (
    <div class="actions">
      <button type="button" class={action === 'suspend' ? 'danger' : undefined} onClick={run} disabled={busy}>
        {action === 'suspend' ? 'Suspend account' : 'Unsuspend account'}
      </button>
      {requireScim && (
        <div class="state notice" role="alert">
          <p>
            <strong>Managed by the identity provider.</strong> This tenant requires SCIM, so only the IdP can {action} this account:{' '}
            {action === 'suspend' ? 'deactivate or unassign the user there' : 'reactivate or assign the user there'}, and the change
            arrives here with its next provisioning cycle. To change accounts here, turn off Require SCIM in the tenant's settings.
          </p>
          <p class="muted small">The server said: {(refusal as ApiError).problem.detail}</p>
        </div>
      )}
      {refusal !== undefined && !requireScim && <ErrorNote error={refusal} title={`Could not ${action}`} />}
    </div>
  )
}

function History(props: { tenant: Tenant; userId: string }) {
  const list = usePaged<LogEntry>(withQuery(`${tenantPath(props.tenant.key)}/provisioning-log`, { user: props.userId }), 10)
  const { loaded } = list
  return (
    <section aria-labelledby="history-heading" class="panel">
      <h2 id="history-heading">Provisioning history</h2>
      {loaded.state === 'loading' && <Loading what="the history" />}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>No provisioning calls recorded for this user (entries older than the tenant's retention are pruned).</Empty>}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <ol class="history">
          {loaded.data.items.map((e) => (
            <li key={e.seq}>
              <p>
                <Time at={e.at} /> ·{' '}
                <Link href={`/tenants/${encodeURIComponent(props.tenant.key)}/log/${e.seq}`} class="mono">
                  {e.method} {e.path}
                </Link>{' '}
                ·{' '}
                <Badge tone={e.status < 300 ? 'ok' : e.status < 500 ? 'warn' : 'bad'}>{e.status}</Badge> · {clientName(e.client)}
                {e.tokenName && <span class="muted"> · token {e.tokenName}</span>}
              </p>
              {e.detail && <p class="bad-text">{e.detail}</p>}
              {e.tolerances && e.tolerances.length > 0 && <p class="muted small">Corrected: {e.tolerances.join('; ')}</p>}
              {e.changes && e.changes.length > 0 && <Diff changes={e.changes} />}
            </li>
          ))}
        </ol>
      )}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <p>
          <Link href={logHref(props.tenant.key, { user: props.userId })}>This user in the provisioning log</Link>
        </p>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="History" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

export function UserPage(props: { tenant: Tenant; userId: string }) {
  const user = useGet<ScimUserDetails>(`${tenantPath(props.tenant.key)}/scim-users/${encodeURIComponent(props.userId)}`)
  const [account, setAccount] = useState<Account | undefined>(undefined)
  if (user.state === 'loading') return <Loading what="the user" />
  if (user.state === 'error') return <ErrorNote error={user.error} retry={user.reload} />
  const u = user.data
  const acct = account ?? u.account
  const userName = typeof u.resource.userName === 'string' ? u.resource.userName : u.id
  return (
    <>
      <p class="breadcrumb">
        <Link href={`/tenants/${encodeURIComponent(props.tenant.key)}/users`}>Users</Link> /
      </p>
      <h2 class="user-name">{userName}</h2>
      <div class="columns">
        <section aria-labelledby="account-heading" class="panel">
          <h3 id="account-heading">Account</h3>
          {acct ? (
            <>
              <dl class="facts">
                <dt>Login</dt>
                <dd>{acct.login ?? '—'}</dd>
                <dt>State</dt>
                <dd>
                  <Badge tone={acct.state === 'active' ? 'ok' : 'warn'}>{acct.state}</Badge>
                  {acct.suspendedAt && (
                    <>
                      {' '}since <Time at={acct.suspendedAt} />
                    </>
                  )}
                </dd>
                <dt>Managed by SCIM</dt>
                <dd>{acct.scimManaged ? 'yes' : 'no'}</dd>
                <dt>Roles</dt>
                <dd>{acct.roles.join(', ') || '—'}</dd>
              </dl>
              <SuspendControl tenant={props.tenant} account={acct} onChanged={setAccount} />
            </>
          ) : (
            <Empty>No account is linked to this user (the tenant may not keep accounts).</Empty>
          )}
        </section>
        <section aria-labelledby="groups-heading" class="panel">
          <h3 id="groups-heading">Groups</h3>
          {u.groups.length === 0 ? (
            <Empty>Not a member of any group.</Empty>
          ) : (
            <ul class="plain">
              {u.groups.map((g) => (
                <li key={g.id}>
                  <Link href={`/tenants/${encodeURIComponent(props.tenant.key)}/groups/${encodeURIComponent(g.id)}`}>{g.display ?? g.id}</Link> {g.type === 'indirect' && <span class="muted">(through a nested group)</span>}
                </li>
              ))}
            </ul>
          )}
          <h3 id="teams-heading">Teams</h3>
          {u.teams.length === 0 ? (
            <Empty>{acct ? 'In no team.' : 'Teams are made of accounts; this user has none.'}</Empty>
          ) : (
            <ul class="plain" aria-labelledby="teams-heading">
              {u.teams.map((t) => (
                <li key={t.id}>
                  <Link href={`/tenants/${encodeURIComponent(props.tenant.key)}/teams/${encodeURIComponent(t.id)}`}>{t.name}</Link> <span class="muted">{t.source === 'group' ? '(from a linked group)' : '(added by hand)'}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section aria-labelledby="attributes-heading" class="panel">
        <h3 id="attributes-heading">SCIM attributes</h3>
        <p class="muted small">
          Version {u.version} · created <Time at={u.created} /> · last changed <Time at={u.lastModified} />
        </p>
        <Attributes resource={u.resource} />
      </section>
      {acct && <LoginHistory tenant={props.tenant} account={acct} />}
      <History tenant={props.tenant} userId={u.id} />
    </>
  )
}

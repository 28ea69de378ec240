/**
 * An account's login history on the user page: its sign-ins (sessions) and personal access
 * tokens, newest first, with when each was made and last used and whether it is still active,
 * read one cursor page at a time from GET …/accounts/{id}/login-history.
 */
import { tenantPath } from '../api.js'
import type { Account, LoginHistoryEntry, Tenant } from '../types.js'
import { usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Loading, Pager, Time } from '../ui.js'

function State(props: { entry: LoginHistoryEntry }) {
  const { entry } = props
  if (entry.state === 'revoked') {
    return (
      <>
        <Badge tone="neutral">revoked</Badge> <Time at={entry.revokedAt} />
      </>
    )
  }
  if (entry.state === 'expired') {
    return (
      <>
        <Badge tone="warn">expired</Badge> <Time at={entry.expiresAt} />
      </>
    )
  }
  return (
    <>
      <Badge tone="ok">active</Badge>{' '}
      {entry.expiresAt ? (
        <span class="muted small">
          until <Time at={entry.expiresAt} />
        </span>
      ) : (
        <span class="muted small">no expiry</span>
      )}
    </>
  )
}

export function LoginHistory(props: { tenant: Tenant; account: Account }) {
  const list = usePaged<LoginHistoryEntry>(`${tenantPath(props.tenant.key)}/accounts/${encodeURIComponent(props.account.id)}/login-history`, 10)
  const { loaded } = list
  return (
    <section aria-labelledby="login-history-heading" class="panel">
      <h3 id="login-history-heading">Login history</h3>
      <p class="muted small">Sign-ins (sessions) and personal access tokens, newest first. The client is the name the application gave it.</p>
      {loaded.state === 'loading' && <Loading what="the login history" />}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>This account has never signed in and has no tokens.</Empty>}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Sign-ins and tokens of this account, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Client</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Time at={e.createdAt} />
                  </td>
                  <td>{e.kind === 'session' ? 'Sign-in' : 'Token created'}</td>
                  <th scope="row">
                    {e.name} <span class="mono muted small">{e.hint}</span>
                  </th>
                  <td>
                    <Time at={e.lastUsedAt} />
                  </td>
                  <td>
                    <State entry={e} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="Login history" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

/**
 * A team's members a page at a time, with where each comes from (by hand, or the linked group),
 * and adding or removing one by hand. A linked team's members are its group's, so the API
 * refuses changes by hand (403): the page explains why instead of showing a failure.
 */
import { useState } from 'preact/hooks'
import { api, ApiError, tenantPath, withQuery } from '../api.js'
import type { Account, Page, TeamDetails, TeamMember, Tenant } from '../types.js'
import { usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Field, Loading, Pager, Time } from '../ui.js'

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`

/** A person in a preview or a member list: their login, else their account id. */
export const who = (m: { accountId: string; login: string | null }) => m.login ?? m.accountId

/** The 403 a linked team answers to changes by hand, explained. */
function LinkedRefusal(props: { error: ApiError }) {
  return (
    <div class="state notice" role="alert">
      <p>
        <strong>Members come from the linked group.</strong> This team's members are the group's active users, so they change only when the IdP
        changes the group. Add or remove the user in the IdP, or unlink the team to manage its members by hand.
      </p>
      <p class="muted small">The server said: {props.error.problem.detail}</p>
    </div>
  )
}

function AddMember(props: { tenant: Tenant; team: TeamDetails; onAdded: () => void }) {
  const base = tenantPath(props.tenant.key)
  const [login, setLogin] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [added, setAdded] = useState('')
  const submit = async (e: Event) => {
    e.preventDefault()
    const wanted = login.trim()
    if (!wanted) return
    setBusy(true)
    setError(undefined)
    setAdded('')
    try {
      const found = await api<Page<Account>>('GET', withQuery(`${base}/accounts`, { search: wanted, limit: 20 }))
      const exact = found.items.find((a) => a.login?.toLowerCase() === wanted.toLowerCase())
      const account = exact ?? (found.items.length === 1 ? found.items[0] : undefined)
      if (!account) {
        throw new Error(
          found.items.length === 0 ? `No account's login, name or email starts with "${wanted}".` : `${found.items.length} accounts start with "${wanted}": type the whole login.`,
        )
      }
      await api('PUT', `${base}/teams/${encodeURIComponent(props.team.id)}/members/${encodeURIComponent(account.id)}`)
      setAdded(`${account.login ?? account.displayName} added.`)
      setLogin('')
      props.onAdded()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const refused = error instanceof ApiError && error.status === 403
  return (
    <form onSubmit={submit} aria-label="Add a member by hand">
      <Field id="member-login" label="Add a member by login" hint={props.team.groupId ? 'A linked team takes its members from the group.' : 'An active account of this tenant.'}>
        <input id="member-login" value={login} onInput={(e) => setLogin((e.target as HTMLInputElement).value)} aria-describedby="member-login-hint" />
      </Field>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Add member
        </button>
        <span role="status" class="ok-text">
          {added}
        </span>
      </div>
      {refused && <LinkedRefusal error={error} />}
      {error !== undefined && !refused && <ErrorNote error={error} title="Could not add the member" />}
    </form>
  )
}

function RemoveMember(props: { tenant: Tenant; team: TeamDetails; member: TeamMember; onRemoved: () => void; onRefused: (e: unknown) => void }) {
  const [confirming, setConfirming] = useState(false)
  const name = who(props.member)
  const remove = async () => {
    try {
      await api('DELETE', `${tenantPath(props.tenant.key)}/teams/${encodeURIComponent(props.team.id)}/members/${encodeURIComponent(props.member.accountId)}`)
      props.onRemoved()
    } catch (err) {
      setConfirming(false)
      props.onRefused(err)
    }
  }
  if (!confirming)
    return (
      <button type="button" class="secondary" onClick={() => setConfirming(true)} aria-label={`Remove ${name}`}>
        Remove
      </button>
    )
  return (
    <span class="confirm">
      <button type="button" class="danger" onClick={remove} aria-label={`Confirm: remove ${name}`}>
        Confirm remove
      </button>
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </span>
  )
}

export function Members(props: { tenant: Tenant; team: TeamDetails; onChanged: () => void }) {
  const [source, setSource] = useState<'' | 'manual' | 'group'>('')
  const list = usePaged<TeamMember>(withQuery(`${tenantPath(props.tenant.key)}/teams/${encodeURIComponent(props.team.id)}/members`, { source: source || undefined }), 25)
  const [refusal, setRefusal] = useState<unknown>(undefined)
  const { loaded } = list
  const changed = () => {
    setRefusal(undefined)
    list.reload()
    props.onChanged()
  }
  return (
    <section aria-labelledby="team-members-heading" class="panel">
      <h3 id="team-members-heading">
        Members <span class="muted small">({props.team.memberCount.toLocaleString()})</span>
      </h3>
      <div class="field">
        <label for="member-source">Show</label>
        <select id="member-source" value={source} onChange={(e) => setSource((e.target as HTMLSelectElement).value as typeof source)}>
          <option value="">Every member</option>
          <option value="manual">Added by hand</option>
          <option value="group">From the linked group</option>
        </select>
      </div>
      {loaded.state === 'loading' && <Loading what="members" />}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>{source ? 'No member of this kind.' : 'No members yet.'}</Empty>}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Members of {props.team.name}</caption>
            <thead>
              <tr>
                <th scope="col">Login</th>
                <th scope="col">Source</th>
                <th scope="col">Since</th>
                {!props.team.groupId && <th scope="col"><span class="visually-hidden">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((m) => (
                <tr key={m.accountId}>
                  <th scope="row">{who(m)}</th>
                  <td>{m.source === 'group' ? <Badge tone="ok">group</Badge> : <Badge tone="neutral">manual</Badge>}</td>
                  <td>
                    <Time at={m.addedAt} />
                  </td>
                  {!props.team.groupId && (
                    <td>
                      <RemoveMember tenant={props.tenant} team={props.team} member={m} onRemoved={changed} onRefused={setRefusal} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="Members" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
      {refusal instanceof ApiError && refusal.status === 403 ? <LinkedRefusal error={refusal} /> : refusal !== undefined && <ErrorNote error={refusal} title="Could not remove" />}
      <AddMember tenant={props.tenant} team={props.team} onAdded={changed} />
    </section>
  )
}

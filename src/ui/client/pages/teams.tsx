/** Teams of a tenant: a paged list, and the form that creates one (then opens its page). */
import { useState } from 'preact/hooks'
import { api, tenantPath } from '../api.js'
import { navigate } from '../router.js'
import type { Team, Tenant } from '../types.js'
import { usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Field, Link, Loading, Pager, Time } from '../ui.js'
import { tenantHref } from './hrefs.js'

function CreateTeam(props: { tenant: Tenant }) {
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const team = await api<Team>('POST', `${tenantPath(props.tenant.key)}/teams`, { name, ...(description.trim() && { description: description.trim() }) })
      navigate(tenantHref(props.tenant.key, `/teams/${encodeURIComponent(team.id)}`))
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="create-team-heading" class="panel">
      <h3 id="create-team-heading">Create a team</h3>
      <form onSubmit={submit}>
        <Field id="team-name" label="Name">
          <input id="team-name" value={name} required maxLength={255} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </Field>
        <Field id="team-description" label="Description (optional)">
          <input id="team-description" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
        </Field>
        {error !== undefined && <ErrorNote error={error} title="Could not create the team" />}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create team'}
          </button>
        </div>
      </form>
    </section>
  )
}

export function Teams(props: { tenant: Tenant }) {
  const list = usePaged<Team>(`${tenantPath(props.tenant.key)}/teams`, 25)
  const { loaded } = list
  return (
    <>
      <section aria-labelledby="teams-heading">
        <h2 id="teams-heading">Teams</h2>
        {loaded.state === 'loading' && <Loading what="teams" />}
        {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
        {loaded.state === 'ready' && loaded.data.items.length === 0 && (
          <Empty>No teams yet. Create one below; link it to a SCIM group to have the group's users as its members.</Empty>
        )}
        {loaded.state === 'ready' && loaded.data.items.length > 0 && (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Teams</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Members come</th>
                  <th scope="col">Description</th>
                  <th scope="col">Last reconciled</th>
                </tr>
              </thead>
              <tbody>
                {loaded.data.items.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">
                      <Link href={tenantHref(props.tenant.key, `/teams/${encodeURIComponent(t.id)}`)}>{t.name}</Link>
                    </th>
                    <td>{t.groupId ? <Badge tone="ok">from a group</Badge> : <Badge tone="neutral">by hand</Badge>}</td>
                    <td>{t.description || <span class="muted">—</span>}</td>
                    <td>
                      <Time at={t.reconciledAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(list.hasNext || list.hasPrev) && <Pager label="Teams" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
      </section>
      <CreateTeam tenant={props.tenant} />
    </>
  )
}

/**
 * One team: what it is linked to and when it was last reconciled (with "reconcile now"), its
 * members a page at a time with where each comes from, linking to a SCIM group and unlinking —
 * each previewed (who joins, who leaves) before it is confirmed — adding and removing members
 * by hand, and deleting the team. On a linked team the API refuses changes by hand (403); the
 * page says why instead of showing a failure.
 */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { api, ApiError, tenantPath, withQuery } from '../api.js'
import { navigate } from '../router.js'
import type { Account, Page, ReconcileReport, ScimGroupDetails, ScimGroupSummary, TeamDetails, TeamLinkPreview, TeamMember, Tenant } from '../types.js'
import { useGet, usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Field, Link, Loading, Pager, Time } from '../ui.js'
import { tenantHref } from './hrefs.js'

const PREVIEW_LIMIT = 10

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`

/**
 * The report's own terms: `added` counts the members a link gave the team (everyone in the
 * group, also those who were members by hand already), `removed` the stored memberships taken
 * out (by-hand rows a link replaced, the group's members on unlink, stray rows on reconcile).
 */
function reportText(r: ReconcileReport): string {
  return `${plural(r.added, 'member')} given by the group, ${plural(r.removed, 'membership')} removed (${plural(r.batches, 'transaction')})`
}

/** A person in a preview or a member list: their login, else their account id. */
const who = (m: { accountId: string; login: string | null }) => m.login ?? m.accountId

function PreviewSide(props: { title: string; side: TeamLinkPreview['joining']; none: string }) {
  const { side } = props
  const more = side.count - side.first.length
  return (
    <div>
      <h4>
        {props.title}: {side.count.toLocaleString()}
      </h4>
      {side.count === 0 ? (
        <p class="muted">{props.none}</p>
      ) : (
        <ul class="plain">
          {side.first.map((m) => (
            <li key={m.accountId}>{who(m)}</li>
          ))}
          {more > 0 && <li class="muted">and {plural(more, 'other')}</li>}
        </ul>
      )}
    </div>
  )
}

/** A preview and the buttons that confirm or drop it. */
function Preview(props: { preview: TeamLinkPreview; action: 'link' | 'unlink'; groupName: string; busy: boolean; confirm: () => void; cancel: () => void }) {
  const { preview, action } = props
  return (
    <div class="panel preview" role="region" aria-label={`What ${action === 'link' ? 'linking' : 'unlinking'} would change`}>
      <p>
        {action === 'link' ? (
          <>
            Linking to <strong>{props.groupName}</strong> makes the group's active users this team's members, from now on. Nothing has changed yet.
          </>
        ) : (
          <>
            Unlinking from <strong>{props.groupName}</strong> takes out every member the group gives the team. Nothing has changed yet.
          </>
        )}
      </p>
      <div class="columns">
        <PreviewSide title="Join" side={preview.joining} none="Nobody joins." />
        <PreviewSide title="Leave" side={preview.leaving} none="Nobody leaves." />
      </div>
      {preview.replaceRequired && (
        <p class="notice">This team has members added by hand. Linking removes those the group does not include; confirming accepts that.</p>
      )}
      <div class="actions">
        <button type="button" class={action === 'unlink' || preview.leaving.count > 0 ? 'danger' : undefined} onClick={props.confirm} disabled={props.busy}>
          {props.busy ? 'Working…' : action === 'link' ? 'Confirm link' : 'Confirm unlink'}
        </button>
        <button type="button" class="secondary" onClick={props.cancel} disabled={props.busy}>
          Cancel
        </button>
      </div>
    </div>
  )
}

/** Finds a group by the start of its name, previews the link, then links. */
function LinkToGroup(props: { tenant: Tenant; team: TeamDetails; onChanged: () => void }) {
  const base = tenantPath(props.tenant.key)
  const [search, setSearch] = useState('')
  const [query, setQuery] = useState<string | null>(null)
  const [chosen, setChosen] = useState<ScimGroupSummary | undefined>(undefined)
  const [preview, setPreview] = useState<TeamLinkPreview | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const found = useGet<Page<ScimGroupSummary>>(
    query === null ? null : withQuery(`${base}/scim-groups`, { filter: query ? `displayName sw ${JSON.stringify(query)}` : undefined, sortBy: 'displayName', limit: 10 }),
  )
  const run = async (step: () => Promise<void>) => {
    setBusy(true)
    setError(undefined)
    try {
      await step()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const previewLink = () =>
    run(async () => {
      if (!chosen) return
      const path = withQuery(`${base}/teams/${encodeURIComponent(props.team.id)}/link-preview`, { groupId: chosen.id, limit: PREVIEW_LIMIT })
      setPreview(await api<TeamLinkPreview>('GET', path))
    })
  const confirm = () =>
    run(async () => {
      if (!chosen || !preview) return
      await api('POST', `${base}/teams/${encodeURIComponent(props.team.id)}/link`, { groupId: chosen.id, ...(preview.replaceRequired && { replace: true }) })
      setPreview(undefined)
      props.onChanged()
    })

  if (preview && chosen)
    return (
      <>
        <Preview preview={preview} action="link" groupName={chosen.displayName || chosen.id} busy={busy} confirm={confirm} cancel={() => setPreview(undefined)} />
        {error !== undefined && <ErrorNote error={error} title="Could not link" />}
      </>
    )
  return (
    <div>
      <p>Not linked: members are added by hand. Link the team to a SCIM group to have the group's active users as its members instead.</p>
      <form
        role="search"
        aria-label="Find a group to link"
        onSubmit={(e) => {
          e.preventDefault()
          setChosen(undefined)
          setQuery(search.trim())
        }}
      >
        <label for="link-group-search">Group</label>
        <div class="row">
          <input id="link-group-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} aria-describedby="link-group-search-hint" />
          <button type="submit" class="secondary">
            Find groups
          </button>
        </div>
        <p class="hint" id="link-group-search-hint">
          The start of the group's display name (empty: the first groups).
        </p>
      </form>
      {query !== null && found.state === 'loading' && <Loading what="groups" />}
      {query !== null && found.state === 'error' && <ErrorNote error={found.error} retry={found.reload} />}
      {query !== null && found.state === 'ready' && found.data.items.length === 0 && <Empty>No group's name starts with that.</Empty>}
      {query !== null && found.state === 'ready' && found.data.items.length > 0 && (
        <fieldset>
          <legend>Choose the group</legend>
          {found.data.items.map((g) => (
            <div class="choice" key={g.id}>
              <input type="radio" id={`group-${g.id}`} name="link-group" checked={chosen?.id === g.id} onChange={() => setChosen(g)} />
              <label for={`group-${g.id}`}>{g.displayName || g.id}</label>
            </div>
          ))}
        </fieldset>
      )}
      {error !== undefined && <ErrorNote error={error} title="Could not preview the link" />}
      <div class="actions">
        <button type="button" onClick={previewLink} disabled={!chosen || busy}>
          Preview link
        </button>
      </div>
    </div>
  )
}

function Unlink(props: { tenant: Tenant; team: TeamDetails; groupName: string; onChanged: () => void }) {
  const path = `${tenantPath(props.tenant.key)}/teams/${encodeURIComponent(props.team.id)}`
  const [preview, setPreview] = useState<TeamLinkPreview | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const run = async (step: () => Promise<void>) => {
    setBusy(true)
    setError(undefined)
    try {
      await step()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      {preview ? (
        <Preview
          preview={preview}
          action="unlink"
          groupName={props.groupName}
          busy={busy}
          confirm={() =>
            run(async () => {
              await api('POST', `${path}/unlink`)
              setPreview(undefined)
              props.onChanged()
            })
          }
          cancel={() => setPreview(undefined)}
        />
      ) : (
        <div class="actions">
          <button type="button" class="secondary" disabled={busy} onClick={() => run(async () => setPreview(await api<TeamLinkPreview>('GET', withQuery(`${path}/unlink-preview`, { limit: PREVIEW_LIMIT }))))}>
            Unlink…
          </button>
        </div>
      )}
      {error !== undefined && <ErrorNote error={error} title="Could not unlink" />}
    </>
  )
}

function Reconcile(props: { tenant: Tenant; team: TeamDetails; onChanged: () => void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [done, setDone] = useState<ReconcileReport | undefined>(undefined)
  const { team } = props
  const reconcile = async () => {
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      setDone(await api<ReconcileReport>('POST', `${tenantPath(props.tenant.key)}/teams/${encodeURIComponent(team.id)}/reconcile`))
      props.onChanged()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <dl class="facts">
        <dt>Last reconciled</dt>
        <dd>
          <Time at={team.reconciledAt} />
        </dd>
        <dt>What it changed</dt>
        <dd>{team.reconcileReport ? reportText(team.reconcileReport) : <span class="muted">—</span>}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="secondary" onClick={reconcile} disabled={busy}>
          {busy ? 'Reconciling…' : 'Reconcile now'}
        </button>
        <span role="status" class="ok-text">
          {done ? `Reconciled: ${reportText(done)}.` : ''}
        </span>
      </div>
      {error !== undefined && <ErrorNote error={error} title="Could not reconcile" />}
    </>
  )
}

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

function Members(props: { tenant: Tenant; team: TeamDetails; onChanged: () => void }) {
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

function DeleteTeam(props: { tenant: Tenant; team: TeamDetails }) {
  const [confirming, setConfirming] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const remove = async () => {
    try {
      await api('DELETE', `${tenantPath(props.tenant.key)}/teams/${encodeURIComponent(props.team.id)}`)
      navigate(tenantHref(props.tenant.key, '/teams'))
    } catch (err) {
      setError(err)
    }
  }
  return (
    <div class="actions">
      {confirming ? (
        <span class="confirm">
          <button type="button" class="danger" onClick={remove}>
            Confirm: delete {props.team.name}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete team…
        </button>
      )}
      {error !== undefined && <ErrorNote error={error} title="Could not delete" />}
    </div>
  )
}

function GroupName(props: { tenant: Tenant; groupId: string; children: (name: string) => ComponentChildren }) {
  const group = useGet<ScimGroupDetails>(`${tenantPath(props.tenant.key)}/scim-groups/${encodeURIComponent(props.groupId)}`)
  const name = group.state === 'ready' && typeof group.data.resource.displayName === 'string' ? group.data.resource.displayName : props.groupId
  return <>{props.children(name)}</>
}

export function TeamPage(props: { tenant: Tenant; teamId: string }) {
  const team = useGet<TeamDetails>(`${tenantPath(props.tenant.key)}/teams/${encodeURIComponent(props.teamId)}`)
  // Members are read again after every change the page makes (link, unlink, reconcile).
  const [round, setRound] = useState(0)
  if (team.state === 'loading') return <Loading what="the team" />
  if (team.state === 'error') return <ErrorNote error={team.error} retry={team.reload} />
  const t = team.data
  const changed = () => {
    team.reload()
    setRound((r) => r + 1)
  }
  return (
    <>
      <p class="breadcrumb">
        <Link href={tenantHref(props.tenant.key, '/teams')}>Teams</Link> /
      </p>
      <h2>{t.name}</h2>
      {t.description && <p>{t.description}</p>}
      <div class="columns">
        <section aria-labelledby="link-heading" class="panel">
          <h3 id="link-heading">Group link</h3>
          {t.groupId ? (
            <GroupName tenant={props.tenant} groupId={t.groupId}>
              {(name) => (
                <>
                  <p>
                    Linked to <Link href={tenantHref(props.tenant.key, `/groups/${encodeURIComponent(t.groupId!)}`)}>{name}</Link>: its active users are this
                    team's members.
                  </p>
                  <Unlink tenant={props.tenant} team={t} groupName={name} onChanged={changed} />
                </>
              )}
            </GroupName>
          ) : (
            <LinkToGroup tenant={props.tenant} team={t} onChanged={changed} />
          )}
        </section>
        <section aria-labelledby="reconcile-heading" class="panel">
          <h3 id="reconcile-heading">Reconciliation</h3>
          <Reconcile tenant={props.tenant} team={t} onChanged={changed} />
        </section>
      </div>
      <Members key={`${t.groupId ?? ''}-${round}`} tenant={props.tenant} team={t} onChanged={team.reload} />
      <DeleteTeam tenant={props.tenant} team={t} />
    </>
  )
}

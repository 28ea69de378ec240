/**
 * Linking a team to a SCIM group and unlinking it, each previewed before it is confirmed: how
 * many join and leave, with the first of each (GET …/link-preview, …/unlink-preview). Nothing
 * changes until Confirm.
 */
import { useState } from 'preact/hooks'
import { api, tenantPath, withQuery } from '../api.js'
import type { Page, ScimGroupSummary, TeamDetails, TeamLinkPreview, Tenant } from '../types.js'
import { useGet } from '../use-api.js'
import { Empty, ErrorNote, Loading } from '../ui.js'
import { plural, who } from './team-members.js'

const PREVIEW_LIMIT = 10

/** An action's busy flag and error, around each step it runs. */
function useAction() {
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
  return { busy, error, run }
}

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
export function LinkToGroup(props: { tenant: Tenant; team: TeamDetails; onChanged: () => void }) {
  const base = tenantPath(props.tenant.key)
  const [search, setSearch] = useState('')
  const [query, setQuery] = useState<string | null>(null)
  const [chosen, setChosen] = useState<ScimGroupSummary | undefined>(undefined)
  const [preview, setPreview] = useState<TeamLinkPreview | undefined>(undefined)
  const found = useGet<Page<ScimGroupSummary>>(
    query === null ? null : withQuery(`${base}/scim-groups`, { filter: query ? `displayName sw ${JSON.stringify(query)}` : undefined, sortBy: 'displayName', limit: 10 }),
  )
  const { busy, error, run } = useAction()
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

export function Unlink(props: { tenant: Tenant; team: TeamDetails; groupName: string; onChanged: () => void }) {
  const path = `${tenantPath(props.tenant.key)}/teams/${encodeURIComponent(props.team.id)}`
  const [preview, setPreview] = useState<TeamLinkPreview | undefined>(undefined)
  const { busy, error, run } = useAction()
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

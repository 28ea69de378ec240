/**
 * One team: what it is linked to and when it was last reconciled (with "reconcile now"), its
 * members (team-members.tsx), linking and unlinking with their previews (team-link.tsx), and
 * deleting the team.
 */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { api, tenantPath } from '../api.js'
import { navigate } from '../router.js'
import type { ReconcileReport, ScimGroupDetails, TeamDetails, Tenant } from '../types.js'
import { useGet } from '../use-api.js'
import { ErrorNote, Link, Loading, Time } from '../ui.js'
import { tenantHref } from './hrefs.js'
import { LinkToGroup, Unlink } from './team-link.js'
import { Members, plural } from './team-members.js'

/**
 * The report's own terms: `added` counts the members a link gave the team (everyone in the
 * group, also those who were members by hand already), `removed` the stored memberships taken
 * out (by-hand rows a link replaced, the group's members on unlink, stray rows on reconcile).
 */
function reportText(r: ReconcileReport): string {
  return `${plural(r.added, 'member')} given by the group, ${plural(r.removed, 'membership')} removed (${plural(r.batches, 'transaction')})`
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

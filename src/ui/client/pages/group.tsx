/**
 * One SCIM group: its attributes, its member count, its members a page at a time (a group may
 * have 100,000: never read whole), and the teams linked to it.
 */
import { tenantPath } from '../api.js'
import type { ScimGroupDetails, ScimGroupMember, Tenant } from '../types.js'
import { useGet, usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Link, Loading, Pager, Time } from '../ui.js'
import { tenantHref } from './hrefs.js'
import { Attributes } from './user.js'

function Members(props: { tenant: Tenant; group: ScimGroupDetails }) {
  const list = usePaged<ScimGroupMember>(`${tenantPath(props.tenant.key)}/scim-groups/${encodeURIComponent(props.group.id)}/members`, 25)
  const { loaded } = list
  return (
    <section aria-labelledby="members-heading" class="panel">
      <h3 id="members-heading">
        Members <span class="muted small">({props.group.memberCount.toLocaleString()})</span>
      </h3>
      {loaded.state === 'loading' && <Loading what="members" />}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && <Empty>{list.page > 1 ? 'No more members.' : 'This group has no members.'}</Empty>}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <ul class="plain">
          {loaded.data.items.map((m) => (
            <li key={m.value}>
              {m.type === 'User' ? (
                <Link href={tenantHref(props.tenant.key, `/users/${encodeURIComponent(m.value)}`)}>{m.display ?? m.value}</Link>
              ) : (
                <>
                  <Link href={tenantHref(props.tenant.key, `/groups/${encodeURIComponent(m.value)}`)}>{m.display ?? m.value}</Link> <Badge tone="neutral">group</Badge>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="Members" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

export function GroupPage(props: { tenant: Tenant; groupId: string }) {
  const group = useGet<ScimGroupDetails>(`${tenantPath(props.tenant.key)}/scim-groups/${encodeURIComponent(props.groupId)}`)
  if (group.state === 'loading') return <Loading what="the group" />
  if (group.state === 'error') return <ErrorNote error={group.error} retry={group.reload} />
  const g = group.data
  const name = typeof g.resource.displayName === 'string' ? g.resource.displayName : g.id
  return (
    <>
      <p class="breadcrumb">
        <Link href={tenantHref(props.tenant.key, '/groups')}>Groups</Link> /
      </p>
      <h2>{name}</h2>
      <div class="columns">
        <Members tenant={props.tenant} group={g} />
        <section aria-labelledby="linked-heading" class="panel">
          <h3 id="linked-heading">Linked teams</h3>
          {g.teams.length === 0 ? (
            <Empty>
              No team follows this group. Link one from its <Link href={tenantHref(props.tenant.key, '/teams')}>team page</Link>: the group's active users
              then become its members.
            </Empty>
          ) : (
            <ul class="plain" aria-labelledby="linked-heading">
              {g.teams.map((t) => (
                <li key={t.id}>
                  <Link href={tenantHref(props.tenant.key, `/teams/${encodeURIComponent(t.id)}`)}>{t.name}</Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section aria-labelledby="group-attributes-heading" class="panel">
        <h3 id="group-attributes-heading">SCIM attributes</h3>
        <p class="muted small">
          Version {g.version} · created <Time at={g.created} /> · last changed <Time at={g.lastModified} />
        </p>
        <Attributes resource={g.resource} />
      </section>
    </>
  )
}

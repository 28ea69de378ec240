/** The Groups, Teams and Outbox tabs of a tenant: each list and the page of one of its items. */
import { GroupPage } from './group.js'
import { Groups } from './groups.js'
import { OutboxList, OutboxMessagePage } from './outbox.js'
import { TeamPage } from './team.js'
import { Teams } from './teams.js'
import { TenantFrame } from './tenant.js'

export function GroupsTabPage(props: { tenantKey: string; tab: 'groups' | 'teams' | 'outbox'; id: string | undefined }) {
  const { tenantKey: key, tab, id } = props
  if (tab === 'groups')
    return id === undefined ? (
      <TenantFrame tenantKey={key} tab="groups" title="Groups">{(t) => <Groups tenant={t} />}</TenantFrame>
    ) : (
      <TenantFrame tenantKey={key} tab="groups" title="Group">{(t) => <GroupPage tenant={t} groupId={id} />}</TenantFrame>
    )
  if (tab === 'teams')
    return id === undefined ? (
      <TenantFrame tenantKey={key} tab="teams" title="Teams">{(t) => <Teams tenant={t} />}</TenantFrame>
    ) : (
      <TenantFrame tenantKey={key} tab="teams" title="Team">{(t) => <TeamPage tenant={t} teamId={id} />}</TenantFrame>
    )
  return id === undefined ? (
    <TenantFrame tenantKey={key} tab="outbox" title="Outbox">{(t) => <OutboxList tenant={t} />}</TenantFrame>
  ) : (
    <TenantFrame tenantKey={key} tab="outbox" title="Email">{(t) => <OutboxMessagePage tenant={t} messageId={id} />}</TenantFrame>
  )
}

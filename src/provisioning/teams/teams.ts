/**
 * Teams of a tenant (admin API, CLI). A team may be linked to one SCIM group, whose active
 * User members are then exactly its members: they are read from the group when asked, never
 * copied, so they cannot drift and linking is one row written whatever the group's size.
 * Reconciliation removes stored rows that should not exist, in bounded batches. Linked teams
 * cannot be nested, and their members cannot be changed by hand.
 */
import { newId } from '../ids.js'
import { conflict, forbidden, invalidValue, notFound } from '../../scim/errors.js'
import type { TenantStore, TenantTransaction } from '../../store/contract.js'
import type { Page } from '../../store/records/account.js'
import type { ReconcileReport, TeamMemberRecord, TeamMemberSource, TeamRecord } from '../../store/records/team.js'
import type { LinkPreviewSide } from '../../store/sql/team-queries.js'
import { teamEvent } from '../events/account-events.js'

/** Who a link or unlink would add and remove (`Teams.previewLink`, `previewUnlink`). */
export interface LinkPreview {
  readonly groupId: string
  readonly joining: LinkPreviewSide
  readonly leaving: LinkPreviewSide
  readonly replaceRequired: boolean
}

const NOBODY: LinkPreviewSide = { count: 0, first: [] }

/** Rows one reconciliation transaction touches at most. */
export const RECONCILE_BATCH = 1_000
const MAX_NAME = 255

export interface NewTeam {
  readonly name: string
  readonly description?: string
  readonly parentId?: string | null
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME) {
    throw invalidValue(`name: a team needs a name of 1 to ${MAX_NAME} characters`)
  }
  return name.trim()
}

async function load(tx: TenantTransaction, id: string, lock = false): Promise<TeamRecord> {
  const team = await tx.teams.get(id, lock)
  if (!team) throw notFound(`there is no team '${id}'`)
  return team
}

/** A team as its events carry it. */
const teamState = (t: TeamRecord) => ({ id: t.id, name: t.name, description: t.description, parentId: t.parentId, groupId: t.groupId })

/** Members of a group examined per read when its active members are counted. */
export const COUNT_BATCH = 1_000

/**
 * The group's active members (a linked team's members), counted COUNT_BATCH at a time, each
 * step its own read outside any write transaction, with a turn of the event loop between:
 * counting 100,000 holds neither the database's writers nor the server's requests for more than
 * one step. Concurrent changes to the group may or may not be counted; the count is a report,
 * the membership itself is read from the group.
 */
async function activeMembers(store: TenantStore, groupId: string): Promise<number> {
  let total = 0
  for (let after = 0; ; ) {
    const step = await store.activeMemberCount(groupId, after, COUNT_BATCH)
    total += step.count
    if (step.next === undefined) return total
    after = step.next
    await new Promise((resolve) => setImmediate(resolve))
  }
}

export class Teams {
  readonly #store: TenantStore

  constructor(store: TenantStore) {
    this.#store = store
  }

  list(query: { after?: number; limit: number; groupId?: string }): Promise<Page<TeamRecord>> {
    return this.#store.transaction((tx) => tx.teams.list(query))
  }

  async get(id: string): Promise<TeamRecord & { readonly memberCount: number }> {
    // A team's own rows are counted with it; a linked team's members, from its group, after.
    const { team, stored } = await this.#store.transaction(async (tx) => {
      const team = await load(tx, id)
      return { team, stored: team.groupId === null ? await tx.teams.memberCount(team.id) : 0 }
    })
    return { ...team, memberCount: team.groupId === null ? stored : await activeMembers(this.#store, team.groupId) }
  }

  create(input: NewTeam): Promise<TeamRecord> {
    const name = checkName(input.name)
    return this.#store.transaction(async (tx) => {
      if (input.parentId) await this.#checkParent(tx, undefined, input.parentId)
      const now = new Date().toISOString()
      const team = await tx.teams.insert({
        id: newId(),
        tenantId: this.#store.tenant.id,
        name,
        description: input.description ?? '',
        parentId: input.parentId ?? null,
        groupId: null,
        linkedAt: null,
        createdAt: now,
        updatedAt: now,
        reconciledAt: null,
        reconcileReport: null,
      })
      await teamEvent(tx, team.id, 'created', { state: teamState(team) })
      return team
    })
  }

  update(id: string, change: { name?: string; description?: string; parentId?: string | null }): Promise<TeamRecord> {
    const name = change.name === undefined ? undefined : checkName(change.name)
    return this.#store.transaction(async (tx) => {
      const team = await load(tx, id, true)
      if (change.parentId) await this.#checkParent(tx, team, change.parentId)
      const next = {
        ...(name !== undefined && { name }),
        ...(change.description !== undefined && { description: change.description }),
        ...(change.parentId !== undefined && { parentId: change.parentId }),
      }
      const updated = (await tx.teams.update(id, next, new Date().toISOString()))!
      const changed = (['name', 'description', 'parentId'] as const).filter((k) => team[k] !== updated[k])
      if (changed.length > 0) await teamEvent(tx, id, 'updated', { changed, state: teamState(updated) })
      return updated
    })
  }

  delete(id: string): Promise<void> {
    return this.#store.transaction(async (tx) => {
      const team = await tx.teams.get(id)
      if (!team || !(await tx.teams.delete(id))) throw notFound(`there is no team '${id}'`)
      await teamEvent(tx, id, 'deleted', { state: null, last: teamState(team) })
    })
  }

  /** A parent must exist, not be the team or below it, and neither may be linked to a group. */
  async #checkParent(tx: TenantTransaction, team: TeamRecord | undefined, parentId: string): Promise<void> {
    const parent = await tx.teams.get(parentId)
    if (!parent) throw invalidValue(`parentId: there is no team '${parentId}'`)
    if (team?.groupId || parent.groupId) throw conflict('a team linked to a group cannot be nested: it can be neither a parent nor a child')
    for (let at: TeamRecord | undefined = parent; at; at = at.parentId ? await tx.teams.get(at.parentId) : undefined) {
      if (team && at.id === team.id) throw invalidValue(`parentId: team '${parentId}' is inside this team; teams cannot form a loop`)
    }
  }

  members(id: string, query: { after?: number; limit: number; source?: TeamMemberSource }): Promise<Page<TeamMemberRecord>> {
    return this.#store.transaction(async (tx) => {
      const team = await load(tx, id)
      if (team.groupId === null) return tx.teams.members(id, query)
      if (query.source === 'manual') return { items: [] }
      return tx.teams.groupMembers(team.groupId, team.linkedAt ?? team.updatedAt, query)
    })
  }

  addMember(id: string, accountId: string): Promise<boolean> {
    return this.#store.transaction(async (tx) => {
      const team = await this.#manual(tx, id)
      const account = await tx.accounts.get(accountId)
      if (!account) throw invalidValue(`accountId: there is no account '${accountId}'`)
      if (account.state !== 'active') throw conflict(`account '${accountId}' is ${account.state}; only active accounts join teams`)
      const added = await tx.teams.addMember(team.id, accountId, 'manual', new Date().toISOString())
      if (added) await teamEvent(tx, team.id, 'members.added', { members: [accountId], source: 'manual' })
      return added
    })
  }

  removeMember(id: string, accountId: string): Promise<void> {
    return this.#store.transaction(async (tx) => {
      const team = await this.#manual(tx, id)
      if (!(await tx.teams.removeMember(team.id, accountId))) throw notFound(`account '${accountId}' is not a member of team '${id}'`)
      await teamEvent(tx, team.id, 'members.removed', { members: [accountId], source: 'manual' })
    })
  }

  async #manual(tx: TenantTransaction, id: string): Promise<TeamRecord> {
    const team = await load(tx, id, true)
    if (team.groupId !== null) {
      throw forbidden(
        `team '${team.name}' is linked to SCIM group ${team.groupId}: its members are the group's, and change only when the IdP changes the group`,
      )
    }
    return team
  }

  /**
   * Links the team to a SCIM group: one transaction, whatever the group's size (its members
   * are read from it from now on). A team with members added by hand is refused unless
   * `replace` removes them; a nested team is refused. The report counts the members the group
   * gives the team and the rows replaced.
   */
  async link(id: string, groupId: string, options: { replace?: boolean } = {}): Promise<TeamRecord> {
    // Counted before the link's transaction, in bounded steps: what the report and the event say.
    const startedAt = new Date().toISOString()
    const added = await activeMembers(this.#store, groupId)
    return this.#store.transaction(async (tx) => {
      const team = await load(tx, id, true)
      if (team.groupId === groupId) return { ...team, memberCount: added }
      if (team.groupId !== null) throw conflict(`team '${team.name}' is linked to group ${team.groupId} already; unlink it first`)
      if (team.parentId !== null || (await tx.teams.childCount(id)) > 0) {
        throw conflict(`team '${team.name}' is nested (it has a parent or children); a team linked to a group cannot be`)
      }
      if (!(await tx.get('Group', groupId))) throw invalidValue(`groupId: there is no SCIM group '${groupId}'`)
      const manual = await tx.teams.memberCount(id, 'manual')
      if (manual > 0 && !options.replace) {
        throw conflict(
          `team '${team.name}' has ${manual} member(s) added by hand; remove them first, or link with replace to have them removed`,
        )
      }
      // Every stored row goes: a linked team has none.
      const removed = (await tx.teams.memberCount(id)) > 0 ? await tx.teams.reconcileStep(id, true, 0, Number.MAX_SAFE_INTEGER) : { removed: 0 }
      const finishedAt = new Date().toISOString()
      const report: ReconcileReport = { added, removed: removed.removed, batches: 1, startedAt, finishedAt }
      if (removed.removed > 0) await teamEvent(tx, id, 'members.removed', { count: removed.removed, source: 'manual' })
      const linked = await tx.teams.update(id, { groupId, linkedAt: finishedAt, reconciledAt: finishedAt, reconcileReport: report }, finishedAt)
      await teamEvent(tx, id, 'linked', { groupId })
      // The group's active members are the team's now (read from the group, not copied).
      if (added > 0) await teamEvent(tx, id, 'members.added', { count: added, source: 'group', groupId })
      return { ...linked!, memberCount: added }
    })
  }

  /**
   * What `link` would do, changing nothing: refused exactly as `link` would refuse (409 for a
   * team linked elsewhere or nested, 400 for an unknown group), else who would join and who
   * would leave, counted, with the first `limit` of each. `replaceRequired`: the team has
   * members added by hand, so the link must be confirmed with `replace`.
   */
  previewLink(id: string, groupId: string, limit: number): Promise<LinkPreview> {
    return this.#store.transaction(async (tx) => {
      const team = await load(tx, id)
      if (team.groupId === groupId) return { groupId, joining: NOBODY, leaving: NOBODY, replaceRequired: false }
      if (team.groupId !== null) throw conflict(`team '${team.name}' is linked to group ${team.groupId} already; unlink it first`)
      if (team.parentId !== null || (await tx.teams.childCount(id)) > 0) {
        throw conflict(`team '${team.name}' is nested (it has a parent or children); a team linked to a group cannot be`)
      }
      if (!(await tx.get('Group', groupId))) throw invalidValue(`groupId: there is no SCIM group '${groupId}'`)
      const manual = await tx.teams.memberCount(id, 'manual')
      const { joining, leaving } = await tx.teams.linkPreview(id, groupId, limit)
      return { groupId, joining, leaving, replaceRequired: manual > 0 }
    })
  }

  /** What `unlink` would do, changing nothing: the members the group gives the team leave it. */
  previewUnlink(id: string, limit: number): Promise<LinkPreview> {
    return this.#store.transaction(async (tx) => {
      const team = await load(tx, id)
      if (team.groupId === null) throw conflict(`team '${team.name}' is not linked to a group`)
      return { groupId: team.groupId, joining: NOBODY, leaving: await tx.teams.unlinkPreview(team.groupId, limit), replaceRequired: false }
    })
  }

  /** Unlinks the team; the members it had through the group leave it (the report counts them). */
  async unlink(id: string): Promise<TeamRecord> {
    const startedAt = new Date().toISOString()
    const before = await this.#store.transaction((tx) => load(tx, id))
    // Counted before the unlink's transaction, in bounded steps (activeMembers).
    const counted = before.groupId === null ? 0 : await activeMembers(this.#store, before.groupId)
    return this.#store.transaction(async (tx) => {
      const team = await load(tx, id, true)
      if (team.groupId === null) throw conflict(`team '${team.name}' is not linked to a group`)
      // Relinked elsewhere meanwhile (rare): counted in the transaction, as it is now.
      const left = team.groupId === before.groupId ? counted : await tx.teams.groupMemberCount(team.groupId)
      const finishedAt = new Date().toISOString()
      const report: ReconcileReport = { added: 0, removed: left, batches: 1, startedAt, finishedAt }
      const unlinked = await tx.teams.update(id, { groupId: null, linkedAt: null, reconciledAt: finishedAt, reconcileReport: report }, finishedAt)
      await teamEvent(tx, id, 'unlinked', { groupId: team.groupId })
      if (left > 0) await teamEvent(tx, id, 'members.removed', { count: left, source: 'group', groupId: team.groupId })
      return { ...unlinked!, memberCount: await tx.teams.memberCount(id) }
    })
  }

  /**
   * Removes the team's stored rows that should not exist (any row of a linked team, rows a
   * group gave before membership was computed, rows of deleted accounts), in batches of
   * RECONCILE_BATCH rows, each its own transaction; idempotent. A linked team's members are
   * read from its group, so there is nothing to add. The report says what changed.
   */
  async reconcile(id: string): Promise<ReconcileReport> {
    const startedAt = new Date().toISOString()
    let removed = 0
    let batches = 0
    for (let after: number | undefined = 0; after !== undefined; batches++) {
      const from: number = after
      const step = await this.#store.transaction(async (tx) => {
        const team = await load(tx, id, true)
        const done = await tx.teams.reconcileStep(id, team.groupId !== null, from, RECONCILE_BATCH)
        if (done.removed > 0) await teamEvent(tx, id, 'members.removed', { count: done.removed, source: 'reconciliation' })
        return done
      })
      removed += step.removed
      after = step.next
    }
    const report: ReconcileReport = { added: 0, removed, batches, startedAt, finishedAt: new Date().toISOString() }
    await this.#store.transaction(async (tx) => {
      await load(tx, id, true)
      await tx.teams.update(id, { reconciledAt: report.finishedAt, reconcileReport: report }, report.finishedAt)
    })
    return report
  }

  /** Every team of the tenant. */
  async reconcileAll(): Promise<{ teams: number; added: number; removed: number }> {
    let teams = 0
    let added = 0
    let removed = 0
    for (let after: number | undefined; ; ) {
      const page = await this.list({ limit: 100, ...(after !== undefined && { after }) })
      for (const team of page.items) {
        const report = await this.reconcile(team.id).catch((e: unknown) => {
          // A team deleted meanwhile is no drift.
          if ((e as { status?: number }).status === 404) return undefined
          throw e
        })
        if (!report) continue
        teams++
        added += report.added
        removed += report.removed
      }
      if (page.next === undefined) break
      after = page.next
    }
    return { teams, added, removed }
  }
}

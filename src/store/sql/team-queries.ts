/**
 * Teams and team membership of one tenant, written once for every database (statement.ts).
 * A team linked to a SCIM group stores no members: they are read from the group when asked
 * (its direct User members whose accounts are active, in membership order), so no group write,
 * suspension or reactivation writes a team row, and the membership is exact in every
 * transaction. `team_members` holds only members added by hand to teams not linked.
 */
import { uniqueness } from '../../scim/errors.js'
import { foldCase } from '../../scim/fold-case.js'
import type { Tenant } from '../contract.js'
import type { Page } from '../records/account.js'
import type { ReconcileReport, TeamChange, TeamMemberRecord, TeamMemberSource, TeamRecord } from '../records/team.js'
import { storableKey } from '../resource-columns.js'
import type { SqlDialect } from './dialect.js'
import { paged } from './paged.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS =
  't.seq, t.id, t.tenant_id, t.name, t.description, t.parent_id, t.group_id, t.linked_at, t.created_at, t.updated_at, t.reconciled_at, t.reconcile_report'

interface TeamRow {
  seq: number | string
  id: string
  tenant_id: string
  name: string
  description: string
  parent_id: string | null
  group_id: string | null
  linked_at: string | null
  created_at: string
  updated_at: string
  reconciled_at: string | null
  reconcile_report: string | null
}

const toTeam = (row: TeamRow): TeamRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  description: row.description,
  parentId: row.parent_id,
  groupId: row.group_id,
  linkedAt: row.linked_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  reconciledAt: row.reconciled_at,
  reconcileReport: row.reconcile_report === null ? null : (JSON.parse(row.reconcile_report) as ReconcileReport),
})

/** A group's memberships joined to the accounts of its User members. */
const GROUP_ACCOUNTS = 'memberships m JOIN accounts a ON a.tenant_id = m.tenant_id AND a.scim_user_id = m.member_id'

/** One side of a link or unlink preview: how many, and the first of them. */
export interface LinkPreviewSide {
  readonly count: number
  readonly first: { accountId: string; login: string | null }[]
}

const NAME_KEY = { name: 'teams_name', column: 'teams.name_fold' }
const nameTaken = (name: string) => uniqueness(`a team named '${name}' already exists`)

export class TeamQueries {
  readonly #d: SqlDialect
  readonly tenant: Tenant

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.#d = dialect
    this.tenant = tenant
  }

  #params(): Params {
    return new Params(this.#d)
  }

  *insert(team: TeamRecord): Work<TeamRecord> {
    const p = this.#params()
    const values = [
      team.id,
      this.tenant.id,
      team.name,
      foldCase(team.name),
      team.description,
      team.parentId,
      team.groupId,
      team.createdAt,
      team.updatedAt,
    ].map((v) => p.v(v))
    const sql =
      'INSERT INTO teams (id, tenant_id, name, name_fold, description, parent_id, group_id, created_at, updated_at) ' +
      `VALUES (${values.join(', ')})`
    try {
      yield { sql, params: p.list, prepare: true }
    } catch (e) {
      if (this.#d.isUniqueViolation(e, NAME_KEY)) throw nameTaken(team.name)
      throw e
    }
    return { ...team, tenantId: this.tenant.id }
  }

  /** `lock`: for a read-modify-write (link, unlink, reconcile) in a transaction. */
  *get(id: string, lock = false): Work<TeamRecord | undefined> {
    if (!storableKey(id)) return undefined
    const p = this.#params()
    const sql = `SELECT ${COLUMNS} FROM teams t WHERE t.tenant_id = ${p.v(this.tenant.id)} AND t.id = ${p.v(id)}${lock ? ` ${this.#d.lockRows('update')}` : ''}`
    const [row] = rowsOf<TeamRow>(yield { sql, params: p.list, prepare: true })
    return row && toTeam(row)
  }

  *list(query: { after?: number; limit: number; groupId?: string }): Work<Page<TeamRecord>> {
    const p = this.#params()
    const where = [`t.tenant_id = ${p.v(this.tenant.id)}`]
    if (query.after !== undefined) where.push(`t.seq > ${p.v(query.after)}`)
    if (query.groupId !== undefined) where.push(`t.group_id = ${p.v(query.groupId)}`)
    const sql = `SELECT ${COLUMNS} FROM teams t WHERE ${where.join(' AND ')} ORDER BY t.seq LIMIT ${p.limit(query.limit + 1)}`
    return paged(rowsOf<TeamRow>(yield { sql, params: p.list }), query.limit, toTeam)
  }

  *childCount(teamId: string): Work<number> {
    const p = this.#params()
    const sql = `SELECT count(*) AS n FROM teams t WHERE t.tenant_id = ${p.v(this.tenant.id)} AND t.parent_id = ${p.v(teamId)}`
    return Number(rowsOf<{ n: number | string }>(yield { sql, params: p.list, prepare: true })[0]?.n ?? 0)
  }

  *update(id: string, change: TeamChange, at: string): Work<TeamRecord | undefined> {
    const p = this.#params()
    const sets: string[] = []
    const set = (column: string, value: unknown) => sets.push(`${column} = ${p.v(value)}`)
    if (change.name !== undefined) {
      set('name', change.name)
      set('name_fold', foldCase(change.name))
    }
    if (change.description !== undefined) set('description', change.description)
    if (change.parentId !== undefined) set('parent_id', change.parentId)
    if (change.groupId !== undefined) set('group_id', change.groupId)
    if (change.linkedAt !== undefined) set('linked_at', change.linkedAt)
    if (change.reconciledAt !== undefined) set('reconciled_at', change.reconciledAt)
    if (change.reconcileReport !== undefined)
      set('reconcile_report', change.reconcileReport === null ? null : JSON.stringify(change.reconcileReport))
    set('updated_at', at)
    const sql =
      `UPDATE teams SET ${sets.join(', ')} WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)} ` +
      `RETURNING ${COLUMNS.replaceAll('t.', '')}`
    try {
      const [row] = rowsOf<TeamRow>(yield { sql, params: p.list })
      return row && toTeam(row)
    } catch (e) {
      if (change.name !== undefined && this.#d.isUniqueViolation(e, NAME_KEY)) throw nameTaken(change.name)
      throw e
    }
  }

  /** Deletes the team and its members; children lose their parent. */
  *delete(id: string): Work<boolean> {
    const m = this.#params()
    yield { sql: `DELETE FROM team_members WHERE team_id = ${m.v(id)} AND tenant_id = ${m.v(this.tenant.id)}`, params: m.list, prepare: true }
    const c = this.#params()
    yield {
      sql: `UPDATE teams SET parent_id = NULL WHERE tenant_id = ${c.v(this.tenant.id)} AND parent_id = ${c.v(id)}`,
      params: c.list,
      prepare: true,
    }
    const p = this.#params()
    return (yield { sql: `DELETE FROM teams WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)}`, params: p.list, prepare: true }).changes > 0
  }

  /** The members stored for the team: those added by hand (a linked team has none). */
  *members(teamId: string, query: { after?: number; limit: number; source?: TeamMemberSource }): Work<Page<TeamMemberRecord>> {
    const p = this.#params()
    const where = [`m.team_id = ${p.v(teamId)}`, `m.tenant_id = ${p.v(this.tenant.id)}`]
    if (query.after !== undefined) where.push(`m.seq > ${p.v(query.after)}`)
    if (query.source !== undefined) where.push(`m.source = ${p.v(query.source)}`)
    const sql =
      'SELECT m.seq, m.account_id, a.login, m.source, m.added_at FROM team_members m ' +
      'JOIN accounts a ON a.tenant_id = m.tenant_id AND a.id = m.account_id ' +
      `WHERE ${where.join(' AND ')} ORDER BY m.seq LIMIT ${p.limit(query.limit + 1)}`
    type Row = { seq: number | string; account_id: string; login: string | null; source: TeamMemberSource; added_at: string }
    return paged(rowsOf<Row>(yield { sql, params: p.list }), query.limit, (r) => ({
      accountId: r.account_id,
      login: r.login,
      source: r.source,
      addedAt: r.added_at,
    }))
  }

  *memberCount(teamId: string, source?: TeamMemberSource): Work<number> {
    const p = this.#params()
    let sql = `SELECT count(*) AS n FROM team_members WHERE team_id = ${p.v(teamId)} AND tenant_id = ${p.v(this.tenant.id)}`
    if (source !== undefined) sql += ` AND source = ${p.v(source)}`
    return Number(rowsOf<{ n: number | string }>(yield { sql, params: p.list, prepare: true })[0]?.n ?? 0)
  }

  /** Idempotent: false when the account was a member already. */
  *addMember(teamId: string, accountId: string, source: TeamMemberSource, at: string): Work<boolean> {
    const p = this.#params()
    const sql =
      'INSERT INTO team_members (tenant_id, team_id, account_id, source, added_at) ' +
      `VALUES (${p.v(this.tenant.id)}, ${p.v(teamId)}, ${p.v(accountId)}, ${p.v(source)}, ${p.v(at)}) ON CONFLICT DO NOTHING`
    return (yield { sql, params: p.list, prepare: true }).changes > 0
  }

  *removeMember(teamId: string, accountId: string): Work<boolean> {
    const p = this.#params()
    const sql = `DELETE FROM team_members WHERE team_id = ${p.v(teamId)} AND account_id = ${p.v(accountId)} AND tenant_id = ${p.v(this.tenant.id)}`
    return (yield { sql, params: p.list, prepare: true }).changes > 0
  }

  /**
   * The members of a team linked to the group: the group's direct User members whose accounts
   * are active, in the order they joined the group, paged by membership seq. `since` is what
   * they show as `addedAt`: when the team was linked (when a user joined the group is not kept).
   */
  *groupMembers(groupId: string, since: string, query: { after?: number; limit: number }): Work<Page<TeamMemberRecord>> {
    const p = this.#params()
    const where = [`m.tenant_id = ${p.v(this.tenant.id)}`, `m.group_id = ${p.v(groupId)}`, "a.state = 'active'"]
    if (query.after !== undefined) where.push(`m.seq > ${p.v(query.after)}`)
    const sql =
      `SELECT m.seq, a.id, a.login FROM ${GROUP_ACCOUNTS} WHERE ${where.join(' AND ')} ORDER BY m.seq LIMIT ${p.limit(query.limit + 1)}`
    type Row = { seq: number | string; id: string; login: string | null }
    return paged(rowsOf<Row>(yield { sql, params: p.list }), query.limit, (r) => ({
      accountId: r.id,
      login: r.login,
      source: 'group' as const,
      addedAt: since,
    }))
  }

  /** How many members a team linked to the group has. */
  *groupMemberCount(groupId: string): Work<number> {
    const p = this.#params()
    const sql = `SELECT count(*) AS n FROM ${GROUP_ACCOUNTS} WHERE m.tenant_id = ${p.v(this.tenant.id)} AND m.group_id = ${p.v(groupId)} AND a.state = 'active'`
    return Number(rowsOf<{ n: number | string }>(yield { sql, params: p.list, prepare: true })[0]?.n ?? 0)
  }

  /**
   * Who linking the (unlinked) team to the group would change, without changing it: `joining`
   * are the group's active accounts the team does not have yet, `leaving` the team's stored
   * rows whose account the group does not give it (an account in both stays). Each side is one
   * count and one first page of at most `limit`, in membership order, on the groups' and teams'
   * indexes: what a preview costs does not grow with the size of the group beyond the counts.
   */
  *linkPreview(teamId: string, groupId: string, limit: number): Work<{ joining: LinkPreviewSide; leaving: LinkPreviewSide }> {
    const joining = (p: Params) =>
      `FROM ${GROUP_ACCOUNTS} WHERE m.tenant_id = ${p.v(this.tenant.id)} AND m.group_id = ${p.v(groupId)} AND a.state = 'active' ` +
      `AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ${p.v(teamId)} AND tm.account_id = a.id)`
    const leaving = (p: Params) =>
      'FROM team_members tm JOIN accounts a ON a.tenant_id = tm.tenant_id AND a.id = tm.account_id ' +
      `WHERE tm.team_id = ${p.v(teamId)} AND tm.tenant_id = ${p.v(this.tenant.id)} ` +
      `AND NOT (a.state = 'active' AND EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = tm.tenant_id AND m.group_id = ${p.v(groupId)} AND m.member_id = a.scim_user_id))`
    return {
      joining: yield* this.#previewSide(joining, 'm.seq', limit),
      leaving: yield* this.#previewSide(leaving, 'tm.seq', limit),
    }
  }

  /** Who unlinking the team from its group would take out of it: the group's active accounts. */
  *unlinkPreview(groupId: string, limit: number): Work<LinkPreviewSide> {
    const from = (p: Params) => `FROM ${GROUP_ACCOUNTS} WHERE m.tenant_id = ${p.v(this.tenant.id)} AND m.group_id = ${p.v(groupId)} AND a.state = 'active'`
    return yield* this.#previewSide(from, 'm.seq', limit)
  }

  *#previewSide(from: (p: Params) => string, order: string, limit: number): Work<LinkPreviewSide> {
    const c = this.#params()
    const count = Number(rowsOf<{ n: number | string }>(yield { sql: `SELECT count(*) AS n ${from(c)}`, params: c.list, prepare: true })[0]?.n ?? 0)
    if (count === 0) return { count, first: [] }
    const p = this.#params()
    const sql = `SELECT a.id, a.login ${from(p)} ORDER BY ${order} LIMIT ${p.limit(limit)}`
    const first = rowsOf<{ id: string; login: string | null }>(yield { sql, params: p.list }).map((r) => ({ accountId: r.id, login: r.login }))
    return { count, first }
  }

  /**
   * How many linked teams the SCIM user's groups give its account (while it is active): what a
   * suspension leaves and a reactivation joins, for the account's history. One read.
   */
  *groupTeamCount(scimUserId: string): Work<number> {
    const p = this.#params()
    const sql =
      'SELECT count(*) AS n FROM memberships m JOIN teams t ON t.tenant_id = m.tenant_id AND t.group_id = m.group_id ' +
      `WHERE m.tenant_id = ${p.v(this.tenant.id)} AND m.member_id = ${p.v(scimUserId)}`
    return Number(rowsOf<{ n: number | string }>(yield { sql, params: p.list, prepare: true })[0]?.n ?? 0)
  }

  /**
   * The teams an account is in, by name: those it was added to by hand, and (while it is
   * active) those linked to a group its SCIM user is a direct member of. At most `limit`; one read.
   */
  *ofAccount(account: { id: string; scimUserId: string | null; active: boolean }, limit: number): Work<{ team: TeamRecord; source: TeamMemberSource }[]> {
    // Parameters in the order they appear: SQLite's are positional.
    const p = this.#params()
    const teams = `t.tenant_id = ${p.v(this.tenant.id)}`
    const manual = `t.id IN (SELECT tm.team_id FROM team_members tm WHERE tm.tenant_id = ${p.v(this.tenant.id)} AND tm.account_id = ${p.v(account.id)})`
    const linked =
      account.active && account.scimUserId !== null
        ? `t.group_id IN (SELECT m.group_id FROM memberships m WHERE m.tenant_id = ${p.v(this.tenant.id)} AND m.member_id = ${p.v(account.scimUserId)})`
        : undefined
    const sql =
      `SELECT ${COLUMNS} FROM teams t WHERE ${teams} AND (${manual}${linked ? ` OR ${linked}` : ''}) ` +
      `ORDER BY t.name_fold, t.seq LIMIT ${p.limit(limit)}`
    return rowsOf<TeamRow>(yield { sql, params: p.list }).map((row) => {
      const team = toTeam(row)
      return { team, source: team.groupId === null ? 'manual' : 'group' }
    })
  }

  /** Every membership row of the account (deleted and removed accounts leave all teams). */
  *accountLeftAllTeams(accountId: string): Work<number> {
    const p = this.#params()
    const sql = `DELETE FROM team_members WHERE tenant_id = ${p.v(this.tenant.id)} AND account_id = ${p.v(accountId)}`
    return (yield { sql, params: p.list, prepare: true }).changes
  }

  /** The group is gone: its teams are unlinked (and so lose the members it gave them). */
  *groupDeleted(groupId: string, at: string): Work<number> {
    const p = this.#params()
    const sql =
      `UPDATE teams SET group_id = NULL, linked_at = NULL, updated_at = ${p.v(at)} ` +
      `WHERE tenant_id = ${p.v(this.tenant.id)} AND group_id = ${p.v(groupId)}`
    return (yield { sql, params: p.list, prepare: true }).changes
  }

  /**
   * One bounded step of reconciling a team: of its stored rows after seq `after` (up to
   * `limit` of them), those that should not exist go — every row of a linked team (whose
   * members are computed), rows a group gave before membership was computed, and rows of
   * deleted accounts. Returns how many went and where the next step starts (absent: done).
   */
  *reconcileStep(teamId: string, linked: boolean, after: number, limit: number): Work<{ removed: number; next?: number }> {
    const w = this.#params()
    const walked = rowsOf<{ seq: number | string }>(
      yield {
        sql:
          `SELECT m.seq FROM team_members m WHERE m.team_id = ${w.v(teamId)} AND m.tenant_id = ${w.v(this.tenant.id)} ` +
          `AND m.seq > ${w.v(after)} ORDER BY m.seq LIMIT ${w.limit(limit)}`,
        params: w.list,
      },
    )
    const last = walked.at(-1)
    if (!last) return { removed: 0 }
    const until = Number(last.seq)
    const p = this.#params()
    let sql =
      `DELETE FROM team_members WHERE team_id = ${p.v(teamId)} AND tenant_id = ${p.v(this.tenant.id)} ` +
      `AND seq > ${p.v(after)} AND seq <= ${p.v(until)}`
    if (!linked) {
      sql +=
        " AND (source <> 'manual' OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.tenant_id = team_members.tenant_id " +
        "AND a.id = team_members.account_id AND a.state <> 'deleted'))"
    }
    const removed = (yield { sql, params: p.list }).changes
    return walked.length < limit ? { removed } : { removed, next: until }
  }
}

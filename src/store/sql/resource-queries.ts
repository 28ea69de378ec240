/**
 * The resource queries of one tenant, written once for every database: each method is store
 * work (`Work<T>`, statement.ts) that the store runs on its connection — synchronously on
 * SQLite, one round trip per statement on PostgreSQL. What differs in the SQL comes from the
 * dialect; every statement is scoped by `tenant_id` and binds every value.
 */
import type { ResourceSchema } from '../../scim/schema/resource-schema.js'
import type {
  GroupMembership,
  ListQuery,
  ListResult,
  Member,
  MemberPage,
  MemberPosition,
  NewResource,
  ResourceTypeId,
  ResourceUpdate,
  StoredResource,
  Tenant,
} from '../contract.js'
import { CursorCodec, queryFingerprint } from '../cursor.js'
import { cursorPage, type KeyedRow } from '../cursor-page.js'
import { checkPageLimit, memberPageOf, toMember, toMembership } from '../member-page.js'
import type { PagePositions } from '../page-positions.js'
import {
  documentJson,
  indexedValues,
  RESOURCE_COLUMNS,
  storable,
  storableKey,
  typeLiteral,
  USER_NAME_KEY,
  userNameTaken,
  type StorableResource,
} from '../resource-columns.js'
import { compileFilter } from './compile-filter.js'
import { compileSortKey, keyColumns, keyset, orderBy } from './compile-sort.js'
import type { SqlDialect } from './dialect.js'
import { DomainQueries } from './domain-queries.js'
import { TenantRecords } from './tenant-records.js'
import { rowsOf, type Work } from './statement.js'

interface ResourceRow {
  id: string
  resource_type: ResourceTypeId
  version: number
  created: string
  last_modified: string
  /** JSON text (SQLite) or the parsed document (PostgreSQL `json`). */
  document: string | Record<string, unknown>
}

type Counts = { total: number; removed: number }

/** What a store keeps for all its tenants' queries: caches of the database, not of a tenant. */
export interface QueryCaches {
  readonly positions: PagePositions
  /** The cursor codec, made once the key has been read from the database. */
  cursorCodec?: CursorCodec
}

/**
 * A stored row as the contract's resource. A row read as text keeps it (`documentJson`) and
 * parses it only when `document` is read: list responses mostly send the text as it is.
 */
function toResource(row: ResourceRow, lazy = true): StoredResource {
  const text = row.document
  if (typeof text !== 'string') return withDocument(row, text)
  if (!lazy) return withDocument(row, JSON.parse(text) as Record<string, unknown>)
  // Object literals of one shape each, without spreading: these objects are made per row of
  // every page, and a spread followed by an accessor makes a slower object.
  let document: Record<string, unknown> | undefined
  return {
    id: row.id,
    resourceType: row.resource_type,
    version: Number(row.version),
    created: row.created,
    lastModified: row.last_modified,
    get document() {
      return (document ??= JSON.parse(text) as Record<string, unknown>)
    },
    documentJson: text,
  }
}

const withDocument = (row: ResourceRow, document: Record<string, unknown>): StoredResource => ({
  id: row.id,
  resourceType: row.resource_type,
  version: Number(row.version),
  created: row.created,
  lastModified: row.last_modified,
  document,
})

/** What a later get() returns: a copy of the written document, without the values JSON drops. */
const written = (resource: NewResource | ResourceUpdate, version: number, created: string, json: string): StoredResource => ({
  id: resource.id,
  resourceType: resource.resourceType,
  version,
  created,
  lastModified: resource.lastModified,
  document: JSON.parse(json) as Record<string, unknown>,
})

/**
 * `attr eq value` alone, the shape IdPs look users and groups up by before every create: worth
 * preparing once per connection. Other shapes are unbounded in number and stay unprepared.
 */
const isLookup = (query: ListQuery): boolean =>
  query.filter?.kind === 'compare' && query.filter.op === 'eq' && query.sortBy === undefined

export class ResourceQueries {
  readonly tenant: Tenant
  readonly #d: SqlDialect
  readonly #caches: QueryCaches

  constructor(dialect: SqlDialect, tenant: Tenant, caches: QueryCaches) {
    this.#d = dialect
    this.tenant = tenant
    this.#caches = caches
  }

  #domain?: DomainQueries
  #records?: TenantRecords

  /** The tenant's application tables (accounts, teams, invitations, outbox). */
  get domain(): DomainQueries {
    return (this.#domain ??= new DomainQueries(this.#d, this.tenant))
  }

  get records(): TenantRecords {
    return (this.#records ??= new TenantRecords(this.#d))
  }

  /** `lock` (in a write transaction): the row stays locked until it ends (`SqlDialect.lockRows`). */
  *get(type: ResourceTypeId, id: string, lock = false): Work<StoredResource | undefined> {
    if (!storableKey(id)) return undefined
    const d = this.#d
    const p: unknown[] = []
    const sql =
      `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ${d.param(p, this.tenant.id)} ` +
      `AND r.resource_type = ${typeLiteral(type)} AND r.id = ${d.param(p, id)}${lock ? d.lockRows('update') : ''}`
    const [row] = rowsOf<ResourceRow>(yield { sql, params: p, prepare: true })
    return row && toResource(row, false)
  }

  /**
   * `lock` (in a write transaction): the rows found cannot be deleted until it ends, so a member
   * checked here cannot vanish before the membership rows naming it are committed — and a
   * delete that came first makes it absent here.
   */
  *existing(ids: readonly string[], lock = false): Work<Map<string, ResourceTypeId>> {
    const found = new Map<string, ResourceTypeId>()
    const keys = [...new Set(ids)].filter(storableKey)
    if (keys.length === 0) return found
    const d = this.#d
    const p: unknown[] = []
    // Naming both types lets the (tenant_id, resource_type, id) key answer each id.
    const sql =
      `SELECT r.id, r.resource_type FROM resources r WHERE r.tenant_id = ${d.param(p, this.tenant.id)} ` +
      `AND r.resource_type IN ('User', 'Group') AND ${d.inList('r.id', keys, p)}${lock ? d.lockRows('share') : ''}`
    for (const row of rowsOf<{ id: string; resource_type: ResourceTypeId }>(yield { sql, params: p, prepare: true }))
      found.set(row.id, row.resource_type)
    return found
  }

  *members(groupId: string): Work<Member[]> {
    if (!storableKey(groupId)) return []
    const d = this.#d
    const p: unknown[] = []
    const sql =
      'SELECT m.member_id AS value, m.member_type AS type, COALESCE(u.display_name, u.user_name) AS display ' +
      'FROM memberships m LEFT JOIN resources u ' +
      'ON u.tenant_id = m.tenant_id AND u.resource_type = m.member_type AND u.id = m.member_id ' +
      `WHERE m.tenant_id = ${d.param(p, this.tenant.id)} AND m.group_id = ${d.param(p, groupId)} ORDER BY m.seq`
    const rows = rowsOf<{ value: string; type: ResourceTypeId; display: string | null }>(
      yield { sql, params: p, prepare: true },
    )
    return rows.map((row) => toMember(row.value, row.type, row.display))
  }

  /**
   * Keyset pages on memberships_group (tenant_id, group_id, seq). The first page reads the
   * group's last seq in the same statement (one snapshot); later pages stop there. Every
   * membership change locks the group row (ResourceService), so the group's rows commit in seq
   * order and a row added after the first page has a seq above that bound: a member removed and
   * added again during the walk is not read twice. Rows come as arrays: pages of a thousand.
   */
  *memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Work<MemberPage> {
    checkPageLimit(limit)
    if (!storableKey(groupId)) return { members: [] }
    const d = this.#d
    const p: unknown[] = []
    const tenant = this.tenant.id
    // The index hint: a seq range could otherwise be planned as a scan of every group's rows.
    let sql =
      'SELECT m.seq, m.member_id, m.member_type, COALESCE(u.display_name, u.user_name)' +
      (after === undefined
        ? `, (SELECT max(seq) FROM memberships WHERE tenant_id = ${d.param(p, tenant)} AND group_id = ${d.param(p, groupId)})`
        : '') +
      ` FROM memberships m${d.indexedBy('memberships_group')} LEFT JOIN resources u ` +
      'ON u.tenant_id = m.tenant_id AND u.resource_type = m.member_type AND u.id = m.member_id ' +
      `WHERE m.tenant_id = ${d.param(p, tenant)} AND m.group_id = ${d.param(p, groupId)}`
    if (after !== undefined) sql += ` AND m.seq > ${d.param(p, after.after)} AND m.seq <= ${d.param(p, after.until)}`
    sql += ` ORDER BY m.seq LIMIT ${d.limit(limit, p)}`
    const rows = rowsOf<[number | string, string, ResourceTypeId, string | null, (number | string | null)?]>(
      yield { sql, params: p, prepare: true, arrays: true },
    )
    // PostgreSQL's bigint arrives as text; seqs stay far below 2^53.
    const first = rows[0]?.[4]
    const until = after?.until ?? (first === undefined || first === null ? undefined : Number(first))
    const last = rows.at(-1)
    const members = rows.map(([, value, type, display]) => toMember(value, type, display))
    return memberPageOf(members, last && Number(last[0]), limit, until)
  }

  /** A count on memberships_group (tenant_id, group_id, seq): the index alone answers it. */
  *memberCount(groupId: string): Work<number> {
    if (!storableKey(groupId)) return 0
    const d = this.#d
    const p: unknown[] = []
    const sql =
      `SELECT count(*) AS n FROM memberships m${d.indexedBy('memberships_group')} ` +
      `WHERE m.tenant_id = ${d.param(p, this.tenant.id)} AND m.group_id = ${d.param(p, groupId)}`
    return Number(rowsOf<{ n: number | string }>(yield { sql, params: p, prepare: true })[0]?.n ?? 0)
  }

  *activeMemberCount(groupId: string, after: number, limit: number): Work<{ count: number; next: number | undefined }> {
    if (!storableKey(groupId)) return { count: 0, next: undefined }
    const d = this.#d
    const p: unknown[] = []
    // Parameters in the order the text names them (SQLite's are positional).
    const sql =
      'SELECT count(*) AS examined, max(w.seq) AS last, count(a.id) AS active FROM ' +
      `(SELECT m.seq, m.member_id FROM memberships m${d.indexedBy('memberships_group')} ` +
      `WHERE m.tenant_id = ${d.param(p, this.tenant.id)} AND m.group_id = ${d.param(p, groupId)} AND m.seq > ${d.param(p, after)} ` +
      `ORDER BY m.seq LIMIT ${d.limit(limit, p)}) w ` +
      `LEFT JOIN accounts a ON a.tenant_id = ${d.param(p, this.tenant.id)} AND a.scim_user_id = w.member_id AND a.state = 'active'`
    const [row] = rowsOf<{ examined: number | string; last: number | string | null; active: number | string }>(yield { sql, params: p, prepare: true })
    const examined = Number(row?.examined ?? 0)
    return { count: Number(row?.active ?? 0), next: examined < limit || row?.last === null || row?.last === undefined ? undefined : Number(row.last) }
  }

  *groupsOf(ids: readonly string[]): Work<Map<string, GroupMembership[]>> {
    const result = new Map<string, GroupMembership[]>(ids.map((id) => [id, []]))
    const keys = [...result.keys()].filter(storableKey)
    if (keys.length === 0) return result
    const d = this.#d
    const p: unknown[] = []
    const tenant = d.param(p, this.tenant.id)
    // The common case (one resource shown) without the list parameter. The index hint: without
    // statistics SQLite prefers scanning the tenant's covering (tenant, group, member) index.
    const members = keys.length === 1 ? `m.member_id = ${d.param(p, keys[0])}` : d.inList('m.member_id', keys, p)
    const sql =
      'SELECT m.member_id AS member, m.group_id AS value, g.display_name AS display ' +
      `FROM memberships m${d.indexedBy('memberships_member')} LEFT JOIN resources g ` +
      "ON g.tenant_id = m.tenant_id AND g.resource_type = 'Group' AND g.id = m.group_id " +
      `WHERE m.tenant_id = ${tenant} AND ${members} ORDER BY m.seq`
    for (const row of rowsOf<{ member: string; value: string; display: string | null }>(
      yield { sql, params: p, prepare: true },
    ))
      result.get(row.member)?.push(toMembership(row.value, row.display))
    return result
  }

  *list(schema: ResourceSchema, query: ListQuery): Work<ListResult> {
    const result = yield* this.#list(schema, query)
    if (query.groups !== true || result.groups !== undefined) return result
    // A second statement, as groupsOf alone would be: the same rows, in the same order.
    const groups = yield* this.groupsOf(result.resources.map((r) => r.id))
    return { ...result, groups: result.resources.map((r) => groups.get(r.id) ?? []) }
  }

  *#list(schema: ResourceSchema, query: ListQuery): Work<ListResult> {
    const d = this.#d
    const type = typeLiteral(schema.type.id)
    /** The WHERE clause, its values appended to `params` (each statement numbers its own). */
    const where = (params: unknown[]) =>
      `r.tenant_id = ${d.param(params, this.tenant.id)} AND r.resource_type = ${type}` +
      (query.filter === undefined ? '' : ` AND (${compileFilter(query.filter, schema, d, params).sql})`)
    const key = compileSortKey(query.sortBy, query.sortOrder, schema, d)
    // RFC 7644 §3.4.2.4: startIndex below 1 is 1; count 0 asks only for totalResults.
    const count = Math.max(0, Math.trunc(query.count))
    const unfiltered = query.filter === undefined
    const self = this
    function* countMatches(): Work<number> {
      const p: unknown[] = []
      const [row] = rowsOf<{ total: number | string }>(yield { sql: `SELECT COUNT(*) AS total FROM resources r WHERE ${where(p)}`, params: p })
      return Number(row?.total ?? 0)
    }
    const countAll = (): Work<number> => (unfiltered ? self.#total(type) : countMatches())

    if (query.cursor !== undefined) {
      const fingerprint = queryFingerprint(this.tenant.id, schema.type.id, query.filter, query.sortBy, query.sortOrder)
      const codec = yield* this.#cursorCodec()
      const position = query.cursor === '' ? undefined : codec.decode(fingerprint, query.cursor)
      const backwards = position?.direction === 'previous'
      const p: unknown[] = []
      const counts = unfiltered ? this.#countColumns(type, p) : ''
      let sql = `SELECT ${counts}${RESOURCE_COLUMNS}, ${keyColumns(key)} FROM resources r WHERE ${where(p)}`
      if (position?.row !== undefined) sql += ` AND ${keyset(key, position.direction, position.row, d, p)}`
      // count + 1: the extra row tells whether there is a next page (RFC 9865 §2).
      sql += ` ORDER BY ${orderBy(key, backwards)} LIMIT ${d.limit(count + 1, p)}`
      const read = rowsOf<ResourceRow & KeyedRow & CountColumns>(yield { sql, params: p })
      const page = cursorPage(read, count, position, codec, fingerprint)
      const totalResults = unfiltered
        ? (yield* this.#countsOf(read, type)).total
        : position === undefined && !page.more
          ? page.rows.length
          : yield* countMatches()
      return {
        totalResults,
        resources: page.rows.map((row) => toResource(row)),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
        ...(page.previousCursor !== undefined && { previousCursor: page.previousCursor }),
      }
    }

    const offset = Math.max(1, Math.trunc(query.startIndex)) - 1
    if (unfiltered && key.expr === undefined) return yield* this.#insertionPage(type, where, offset, count)
    if (count === 0) return { totalResults: yield* countAll(), resources: [] }
    const p: unknown[] = []
    // A lookup shows the user's groups: where the dialect can, in the same statement.
    const groups = query.groups === true && schema.type.id === 'User' && d.capabilities.groupsInPage
    const order = key.expr === undefined ? d.filteredInsertionOrder('r.seq') : orderBy(key)
    // No OFFSET on a first page: PostgreSQL costs the generic plan of a prepared lookup with
    // `OFFSET $n` as if it skipped rows, and then plans every lookup again (docs/design.md).
    const sql =
      `SELECT ${RESOURCE_COLUMNS}${groups ? `, ${d.groupsColumn()}` : ''} FROM resources r WHERE ${where(p)} ` +
      `ORDER BY ${order} LIMIT ${d.limit(count, p)}${offset === 0 ? '' : ` OFFSET ${d.param(p, offset)}`}`
    const rows = rowsOf<ResourceRow & { groups?: [string, string | null][] | null }>(
      yield { sql, params: p, prepare: isLookup(query) },
    )
    // A first page that is not full holds every match: its length is the total, and the
    // COUNT query (a second pass over the matches) is not needed. Lookups are such pages.
    const total = offset === 0 && rows.length < count ? rows.length : yield* countAll()
    return {
      totalResults: total,
      resources: rows.map((row) => toResource(row)),
      ...(groups && { groups: rows.map((row) => (row.groups ?? []).map(([value, display]) => toMembership(value, display))) }),
    }
  }

  /**
   * An unfiltered page in insertion order by `startIndex`: totalResults from `resource_counts`,
   * and the rows from the nearest remembered position (page-positions.ts), so a sequential walk
   * seeks to each page instead of skipping every row before it. The position is checked against
   * `removed` read in the page's own statement; when a delete came in between, the page is read
   * again from the start of the list.
   */
  *#insertionPage(type: string, where: (params: unknown[]) => string, offset: number, count: number): Work<ListResult> {
    if (count === 0) return { totalResults: yield* this.#total(type), resources: [] }
    const d = this.#d
    const list = `${this.tenant.id}/${type}`
    let from = this.#caches.positions.nearest(list, offset)
    for (;;) {
      const p: unknown[] = []
      const counts = this.#countColumns(type, p)
      let sql = `SELECT ${counts}${RESOURCE_COLUMNS}, r.seq AS sort_seq FROM resources r WHERE ${where(p)}`
      if (from !== undefined) sql += ` AND r.seq > ${d.param(p, from.seq)}`
      const skip = offset - (from?.offset ?? 0)
      sql += ` ORDER BY r.seq LIMIT ${d.limit(count, p)} OFFSET ${d.param(p, skip)}`
      const rows = rowsOf<ResourceRow & CountColumns & { sort_seq: number | string }>(yield { sql, params: p })
      const { total, removed } = yield* this.#countsOf(rows, type)
      if (from !== undefined && removed !== from.removed) {
        from = undefined
        continue
      }
      const last = rows.at(-1)
      if (last !== undefined) this.#caches.positions.remember(list, offset + rows.length, Number(last.sort_seq), removed)
      return { totalResults: total, resources: rows.map((row) => toResource(row)) }
    }
  }

  /**
   * Select-list items with the `resource_counts` row of `type`, so a page and its totalResults
   * (and `removed`) come from one statement, hence one snapshot — where the dialect's
   * statements do not share one anyway (then the counts are a statement of their own).
   */
  #countColumns(type: string, params: unknown[]): string {
    if (this.#d.capabilities.sharedSnapshot) return ''
    // A placeholder per use: SQLite's are positional.
    const where = () => `WHERE c.tenant_id = ${this.#d.param(params, this.tenant.id)} AND c.resource_type = ${type}`
    return (
      `(SELECT c.total FROM resource_counts c ${where()}) AS counts_total, ` +
      `(SELECT c.removed FROM resource_counts c ${where()}) AS counts_removed, `
    )
  }

  /** The counts read with a page's rows (`#countColumns`); a page without rows reads them alone. */
  *#countsOf(rows: readonly CountColumns[], type: string): Work<Counts> {
    const first = rows[0]
    if (first === undefined || this.#d.capabilities.sharedSnapshot) return yield* this.#counts(type)
    return { total: Number(first.counts_total ?? 0), removed: Number(first.counts_removed ?? 0) }
  }

  /** The `resource_counts` row of one type (see the migrations). */
  *#counts(type: string): Work<Counts> {
    const p: unknown[] = []
    const sql = `SELECT total, removed FROM resource_counts WHERE tenant_id = ${this.#d.param(p, this.tenant.id)} AND resource_type = ${type}`
    const [row] = rowsOf<{ total: number | string; removed: number | string }>(yield { sql, params: p, prepare: true })
    return { total: Number(row?.total ?? 0), removed: Number(row?.removed ?? 0) }
  }

  *#total(type: string): Work<number> {
    return (yield* this.#counts(type)).total
  }

  /** The codec of this database; its key is read once (every process of a database shares it). */
  *#cursorCodec(): Work<CursorCodec> {
    if (this.#caches.cursorCodec !== undefined) return this.#caches.cursorCodec
    const [row] = rowsOf<{ value: Buffer }>(
      yield { sql: "SELECT value FROM secrets WHERE name = 'cursor'", params: [], prepare: true },
    )
    if (row === undefined) throw new Error('the cursor key is missing: run migrations (bin/roster migrate)')
    return (this.#caches.cursorCodec = new CursorCodec(Buffer.from(row.value)))
  }

  /** One resource; a taken userName is 409 `uniqueness`. */
  *insert(resource: NewResource): Work<StoredResource> {
    const [stored] = yield* this.insertMany(resource.resourceType, [storable(resource)])
    if (stored === undefined) throw userNameTaken(resource.document)
    return stored
  }

  /**
   * Inserts resources of one type (`SqlDialect.insertResources`) and counts them in
   * `resource_counts`. Returns, in order, the stored resource of each, or undefined for one
   * whose userName is taken (by a committed row, or by an earlier one of `resources`).
   */
  *insertMany(type: ResourceTypeId, resources: readonly StorableResource[]): Work<(StoredResource | undefined)[]> {
    typeLiteral(type)
    for (const { resource } of resources) {
      if (resource.resourceType !== type) throw new TypeError(`insertMany of ${type} got a ${resource.resourceType}`)
    }
    if (resources.length === 0) return []
    const inserted = yield* this.#d.insertResources(this.tenant.id, type, resources)
    return resources.map(({ resource, document }) =>
      inserted.has(resource.id) ? written(resource, 1, resource.created, document) : undefined,
    )
  }

  /**
   * Writes when the stored version is `expectedVersion`; undefined when it is not or the row is
   * gone. A taken userName is 409 `uniqueness`.
   */
  *update(resource: ResourceUpdate, expectedVersion: number): Work<StoredResource | undefined> {
    if (!storableKey(resource.id)) return undefined
    const d = this.#d
    const document = documentJson(resource.document)
    const p: unknown[] = []
    const [userName, userNameFold, externalId, displayName, displayNameFold, active] = indexedValues(resource.document)
    const sql =
      `UPDATE resources SET version = version + 1, last_modified = ${d.param(p, resource.lastModified)}, ` +
      `user_name = ${d.param(p, userName)}, user_name_fold = ${d.param(p, userNameFold)}, ` +
      `external_id = ${d.param(p, externalId)}, display_name = ${d.param(p, displayName)}, ` +
      `display_name_fold = ${d.param(p, displayNameFold)}, active = ${d.param(p, active)}, ` +
      `document = ${d.param(p, document)} WHERE tenant_id = ${d.param(p, this.tenant.id)} ` +
      `AND resource_type = ${typeLiteral(resource.resourceType)} AND id = ${d.param(p, resource.id)} ` +
      `AND version = ${d.param(p, expectedVersion)} RETURNING version, created`
    let row: { version: number; created: string } | undefined
    try {
      ;[row] = rowsOf<{ version: number; created: string }>(yield { sql, params: p, prepare: true })
    } catch (e) {
      if (d.isUniqueViolation(e, USER_NAME_KEY)) throw userNameTaken(resource.document)
      throw e
    }
    return row && written(resource, Number(row.version), row.created, document)
  }

  /**
   * The resource, then every membership row naming it. The membership statements come after the
   * resource's: on PostgreSQL they take their snapshot after the first has the row, so they also
   * see membership rows committed by a transaction it waited for (one adding it to a group).
   */
  *delete(type: ResourceTypeId, id: string): Work<boolean> {
    if (!storableKey(id)) return false
    const d = this.#d
    const literal = typeLiteral(type)
    const tenant = this.tenant.id
    let p: unknown[] = []
    const deleted = yield {
      sql: `DELETE FROM resources WHERE tenant_id = ${d.param(p, tenant)} AND resource_type = ${literal} AND id = ${d.param(p, id)}`,
      params: p,
      prepare: true,
    }
    if (deleted.changes === 0) return false
    p = []
    yield {
      sql:
        'UPDATE resource_counts SET total = total - 1, removed = removed + 1 ' +
        `WHERE tenant_id = ${d.param(p, tenant)} AND resource_type = ${literal}`,
      params: p,
      prepare: true,
    }
    if (type === 'Group') yield* this.clearMembers(id)
    p = []
    yield {
      sql: `DELETE FROM memberships WHERE tenant_id = ${d.param(p, tenant)} AND member_id = ${d.param(p, id)} AND member_type = ${literal}`,
      params: p,
      prepare: true,
    }
    return true
  }

  /**
   * One statement for all members, added in the order given (`seq` follows it). Members already
   * present are skipped by the unique key; so is a repeat within the list. The cost does not
   * grow with the group.
   */
  *addMembers(groupId: string, members: readonly { value: string; type: ResourceTypeId }[]): Work<number> {
    if (members.length === 0) return 0
    for (const member of members) typeLiteral(member.type)
    const d = this.#d
    const p: unknown[] = []
    // Placeholders in the order of the text: SQLite's are positional.
    const tenant = d.param(p, this.tenant.id)
    const group = d.param(p, groupId)
    const rows = d.rowsFrom(
      members.map((m) => [m.value, m.type]),
      [
        { name: 'member_id', type: 'text' },
        { name: 'member_type', type: 'text' },
      ],
      't',
      p,
    )
    // `WHERE true`: SQLite would otherwise read ON CONFLICT as a join constraint.
    const sql =
      'INSERT INTO memberships (tenant_id, group_id, member_id, member_type) ' +
      `SELECT ${tenant}, ${group}, t.member_id, t.member_type FROM ${rows} ` +
      'WHERE true ORDER BY t.n ON CONFLICT DO NOTHING'
    return (yield { sql, params: p, prepare: true }).changes
  }

  /** By member: one probe of the member-first key per value, whatever the size of the group. */
  *removeMembers(groupId: string, values: readonly string[]): Work<number> {
    const keys = [...new Set(values)].filter(storableKey)
    if (keys.length === 0 || !storableKey(groupId)) return 0
    const d = this.#d
    const p: unknown[] = []
    const sql =
      `DELETE FROM memberships${d.indexedBy('memberships_member')} WHERE tenant_id = ${d.param(p, this.tenant.id)} ` +
      `AND ${d.inList('member_id', keys, p)} AND group_id = ${d.param(p, groupId)}`
    return (yield { sql, params: p, prepare: true }).changes
  }

  *clearMembers(groupId: string): Work<number> {
    if (!storableKey(groupId)) return 0
    const d = this.#d
    const p: unknown[] = []
    const sql = `DELETE FROM memberships WHERE tenant_id = ${d.param(p, this.tenant.id)} AND group_id = ${d.param(p, groupId)}`
    return (yield { sql, params: p, prepare: true }).changes
  }
}

interface CountColumns {
  counts_total?: number | string | null
  counts_removed?: number | string | null
}

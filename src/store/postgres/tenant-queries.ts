/**
 * The resource queries of one tenant, on the pool (reads outside transactions) or on the client
 * of one transaction. Every statement is scoped by `tenant_id`, binds every value, and does its
 * work in one round trip: lists of ids travel as one array parameter (`= ANY($2::text[])`,
 * `unnest`), never one statement per member.
 */
import { createHash } from 'node:crypto'
import type pg from 'pg'
import { invalidValue } from '../../scim/errors.js'
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
import { indexedValues, RESOURCE_COLUMNS, typeLiteral, userNameTaken } from '../resource-columns.js'
import { compileFilter } from '../sql/compile-filter.js'
import { checkPageLimit, memberPageOf, toMember, toMembership } from '../member-page.js'
import { cursorCodecAsync, queryFingerprint } from '../cursor.js'
import { cursorPage, type KeyedRow } from '../cursor-page.js'
import { nearestPosition, noteOffset, rememberPosition } from '../page-positions.js'
import { compileSortKey, keyColumns, keyset, orderBy } from '../sql/compile-sort.js'
import { postgresDialect } from './postgres-dialect.js'

/** A pool, or the client a transaction holds. */
export type Queryable = Pick<pg.Pool, 'query'>

interface ResourceRow {
  id: string
  resource_type: ResourceTypeId
  version: number
  created: string
  last_modified: string
  document: Record<string, unknown>
}

/**
 * PostgreSQL text cannot hold U+0000: no stored id or name contains it, and binding one is an
 * error. Lookups answer "not found" for such a key instead.
 */
export const storableKey = (key: string): boolean => !key.includes('\u0000')

const names = new Map<string, string>()

/**
 * The store's fixed statements are prepared once per connection, by a name derived from their
 * text. Compiled filters are not named: their shapes are unbounded, and PostgreSQL plans an
 * unnamed statement for the values at hand.
 */
export function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text)
  if (name === undefined) {
    name = `roster_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`
    names.set(text, name)
  }
  return { name, text, values }
}

const toResource = (row: ResourceRow): StoredResource => ({
  id: row.id,
  resourceType: row.resource_type,
  version: row.version,
  created: row.created,
  lastModified: row.last_modified,
  document: row.document,
})

/** JSON.stringify writes U+0000 as `\u0000` and an unpaired surrogate as `\udXXX`. */
const SUSPECT = /\\u0000|\\ud[89a-f]/i
const UNPAIRED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * The document as JSON text PostgreSQL accepts. Its text type cannot hold U+0000 and its JSON
 * functions refuse unpaired surrogates (which are not Unicode text): such a value is the
 * client's 400, not a failed statement.
 */
/** A resource with the values PostgreSQL will store: its indexed columns and its JSON text. */
export interface StorableResource {
  readonly resource: NewResource
  readonly indexed: ReturnType<typeof indexedValues>
  readonly document: string
}

/**
 * 400 `invalidValue` when the document holds what PostgreSQL cannot store (U+0000, lone
 * surrogates, an indexed value over MAX_INDEXED_BYTES).
 */
export const storable = (resource: NewResource): StorableResource => ({
  resource,
  indexed: indexedValues(resource.document),
  document: documentJson(resource.document),
})

function documentJson(document: Record<string, unknown>): string {
  const json = JSON.stringify(document)
  if (SUSPECT.test(json)) checkStorable(document, '')
  return json
}

function checkStorable(value: unknown, path: string): void {
  const where = path === '' ? 'the resource' : path
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw invalidValue(`${where}: the character U+0000 cannot be stored`)
    if (UNPAIRED.test(value)) throw invalidValue(`${where}: an unpaired UTF-16 surrogate is not Unicode text`)
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkStorable(v, `${path}[${i}]`))
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      checkStorable(key, path)
      checkStorable(v, path === '' ? key : `${path}.${key}`)
    }
  }
}

/** RFC 7644 §3.3: a taken userName is 409 `uniqueness`; the database's index decides. */
function rethrowUniqueness(e: unknown, document: Record<string, unknown>): never {
  const error = e as { code?: unknown; constraint?: unknown } | null
  if (error?.code === '23505' && error.constraint === 'resources_user_name') {
    throw userNameTaken(document)
  }
  throw e
}

/**
 * A user's direct groups as `[[group id, displayName], …]` in the order they were joined, as a
 * column of the page's own rows (what `groupsOf` reads, without its round trip).
 */
const GROUPS_COLUMN =
  '(SELECT json_agg(json_build_array(m.group_id, g.display_name) ORDER BY m.seq) ' +
  'FROM memberships m LEFT JOIN resources g ' +
  "ON g.tenant_id = m.tenant_id AND g.resource_type = 'Group' AND g.id = m.group_id " +
  'WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id) AS groups'

/**
 * `attr eq value` alone, the shape IdPs look users and groups up by before every create:
 * prepared once per connection, so PostgreSQL neither parses nor plans it again. Other shapes
 * stay unnamed (unbounded in number; planned for the values at hand). The names stay bounded:
 * two per attribute path of the schema (first page, later page), at most.
 */
const isLookup = (query: ListQuery): boolean =>
  query.filter?.kind === 'compare' && query.filter.op === 'eq' && query.sortBy === undefined

export class TenantQueries {
  readonly tenant: Tenant

  constructor(tenant: Tenant) {
    this.tenant = tenant
  }

  /**
   * `lock` (inside a transaction): the row stays locked until the transaction ends, so a
   * read-modify-write cannot lose a concurrent write. `FOR NO KEY UPDATE` is the lock an
   * `UPDATE` takes: writers of the row wait for each other, but it does not wait for
   * `existing(…, true)` of another transaction naming the row as a new member.
   */
  async get(db: Queryable, type: ResourceTypeId, id: string, lock = false): Promise<StoredResource | undefined> {
    if (!storableKey(id)) return undefined
    const { rows } = await db.query<ResourceRow>(
      named(
        `SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = $1 AND r.resource_type = ${typeLiteral(type)} ` +
          `AND r.id = $2${lock ? ' FOR NO KEY UPDATE' : ''}`,
        [this.tenant.id, id],
      ),
    )
    return rows[0] && toResource(rows[0])
  }

  /**
   * `lock` (inside a transaction): the rows found are share-locked (`FOR KEY SHARE`) until the
   * transaction ends, so they cannot be deleted before the membership rows that name them are
   * committed — and a delete that came first makes them absent here. Without it, a member
   * checked here and deleted concurrently would be left dangling in the group.
   */
  async existing(db: Queryable, ids: readonly string[], lock = false): Promise<Map<string, ResourceTypeId>> {
    const found = new Map<string, ResourceTypeId>()
    const keys = [...new Set(ids)].filter(storableKey)
    if (keys.length === 0) return found
    const { rows } = await db.query<{ id: string; resource_type: ResourceTypeId }>(
      named(
        // Naming both types lets the (tenant_id, resource_type, id) key answer each id.
        'SELECT r.id, r.resource_type FROM resources r ' +
          "WHERE r.tenant_id = $1 AND r.resource_type IN ('User', 'Group') " +
          `AND r.id = ANY($2::text[])${lock ? ' FOR KEY SHARE' : ''}`,
        [this.tenant.id, keys],
      ),
    )
    for (const row of rows) found.set(row.id, row.resource_type)
    return found
  }

  async members(db: Queryable, groupId: string): Promise<Member[]> {
    if (!storableKey(groupId)) return []
    const { rows } = await db.query<{ value: string; type: ResourceTypeId; display: string | null }>(
      named(
        'SELECT m.member_id AS value, m.member_type AS type, COALESCE(u.display_name, u.user_name) AS display ' +
          'FROM memberships m LEFT JOIN resources u ' +
          'ON u.tenant_id = m.tenant_id AND u.resource_type = m.member_type AND u.id = m.member_id ' +
          'WHERE m.tenant_id = $1 AND m.group_id = $2 ORDER BY m.seq',
        [this.tenant.id, groupId],
      ),
    )
    return rows.map((row) => toMember(row.value, row.type, row.display))
  }

  /**
   * Keyset pages on memberships_group (tenant_id, group_id, seq). The first page reads the
   * group's last seq in the same statement (one snapshot); later pages stop there. Every
   * membership change locks the group row (ResourceService), so the group's rows commit in
   * seq order and a row added after the first page has a seq above that bound: a member removed
   * and added again during the walk is not read twice.
   */
  async memberPage(db: Queryable, groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    checkPageLimit(limit)
    if (!storableKey(groupId)) return { members: [] }
    const select =
      'SELECT m.seq, m.member_id AS value, m.member_type AS type, COALESCE(u.display_name, u.user_name) AS display'
    const from =
      'FROM memberships m LEFT JOIN resources u ' +
      'ON u.tenant_id = m.tenant_id AND u.resource_type = m.member_type AND u.id = m.member_id ' +
      'WHERE m.tenant_id = $1 AND m.group_id = $2'
    type Row = { seq: string; value: string; type: ResourceTypeId; display: string | null; until?: string | null }
    const { rows } =
      after === undefined
        ? await db.query<Row>(
            named(
              `${select}, (SELECT max(seq) FROM memberships WHERE tenant_id = $1 AND group_id = $2) AS until ` +
                `${from} ORDER BY m.seq LIMIT $3`,
              [this.tenant.id, groupId, limit],
            ),
          )
        : await db.query<Row>(
            named(`${select} ${from} AND m.seq > $3 AND m.seq <= $4 ORDER BY m.seq LIMIT $5`, [
              this.tenant.id,
              groupId,
              after.after,
              after.until,
              limit,
            ]),
          )
    // bigint arrives as text; seqs stay far below 2^53.
    const first = rows[0]?.until
    const until = after?.until ?? (first === undefined || first === null ? undefined : Number(first))
    const last = rows.at(-1)
    const members = rows.map((r) => toMember(r.value, r.type, r.display))
    return memberPageOf(members, last && Number(last.seq), limit, until)
  }

  async groupsOf(db: Queryable, ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    const result = new Map<string, GroupMembership[]>(ids.map((id) => [id, []]))
    const keys = [...result.keys()].filter(storableKey)
    if (keys.length === 0) return result
    const { rows } = await db.query<{ member: string; value: string; display: string | null }>(
      named(
        'SELECT m.member_id AS member, m.group_id AS value, g.display_name AS display ' +
          'FROM memberships m LEFT JOIN resources g ' +
          "ON g.tenant_id = m.tenant_id AND g.resource_type = 'Group' AND g.id = m.group_id " +
          'WHERE m.tenant_id = $1 AND m.member_id = ANY($2::text[]) ORDER BY m.seq',
        [this.tenant.id, keys],
      ),
    )
    for (const row of rows) {
      result
        .get(row.member)
        ?.push(toMembership(row.value, row.display))
    }
    return result
  }

  async list(db: Queryable, schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    const result = await this.#list(db, schema, query)
    if (query.groups !== true || result.groups !== undefined) return result
    // A second round trip, as groupsOf alone would be: the same rows, in the same order.
    const groups = await this.groupsOf(db, result.resources.map((r) => r.id))
    return { ...result, groups: result.resources.map((r) => groups.get(r.id) ?? []) }
  }

  async #list(db: Queryable, schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    const type = typeLiteral(schema.type.id)
    const params: unknown[] = [this.tenant.id]
    let where = `r.tenant_id = $1 AND r.resource_type = ${type}`
    if (query.filter !== undefined)
      where += ` AND (${compileFilter(query.filter, schema, postgresDialect, params).sql})`
    const key = compileSortKey(query.sortBy, query.sortOrder, schema, postgresDialect)
    // RFC 7644 §3.4.2.4: startIndex below 1 is 1; count 0 asks only for totalResults.
    const count = Math.max(0, Math.trunc(query.count))
    const countMatches = async () => {
      const { rows } = await db.query<{ total: string }>(
        `SELECT COUNT(*) AS total FROM resources r WHERE ${where}`,
        params,
      )
      return Number(rows[0]?.total ?? 0)
    }
    const unfiltered = query.filter === undefined
    if (query.cursor !== undefined) {
      const fingerprint = queryFingerprint(this.tenant.id, schema.type.id, query.filter, query.sortBy, query.sortOrder)
      const codec = await cursorCodecAsync(db, () => this.#cursorKey(db))
      const position = query.cursor === '' ? undefined : codec.decode(fingerprint, query.cursor)
      const backwards = position?.direction === 'previous'
      const pageParams = [...params]
      let pageWhere = where
      if (position?.row !== undefined)
        pageWhere += ` AND ${keyset(key, position.direction, position.row, postgresDialect, pageParams)}`
      // count + 1: the extra row tells whether there is a next page (RFC 9865 §2).
      const limit = postgresDialect.param(pageParams, count + 1)
      const { rows: read, counts } = await this.#withCounts<KeyedRow>(
        db,
        type,
        unfiltered,
        `SELECT ${RESOURCE_COLUMNS}, ${keyColumns(key)} FROM resources r WHERE ${pageWhere} ` +
          `ORDER BY ${orderBy(key, backwards)} LIMIT ${limit}`,
        pageParams,
      )
      const page = cursorPage(read, count, position, codec, fingerprint)
      const totalResults = unfiltered
        ? counts.total
        : position === undefined && !page.more
          ? page.rows.length
          : await countMatches()
      return {
        totalResults,
        resources: page.rows.map(toResource),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
        ...(page.previousCursor !== undefined && { previousCursor: page.previousCursor }),
      }
    }
    const offset = Math.max(1, Math.trunc(query.startIndex)) - 1
    if (unfiltered && key.expr === undefined) return this.#insertionPage(db, type, where, params, offset, count)
    const countAll = unfiltered ? async () => (await this.#counts(db, type)).total : countMatches
    if (count === 0) return { totalResults: await countAll(), resources: [] }
    const n = params.length
    // Filtered, in insertion order: 'seq + 0' keeps the planner off the seq index. Without
    // fresh statistics PostgreSQL walks that index in order and filters row by row (a userName
    // lookup scanned every user: 3 ms at 5,000 users) instead of using the filter's own index.
    const order = key.expr === undefined ? 'r.seq + 0' : orderBy(key)
    // A lookup shows the user's groups: read them in the same statement, not a second trip.
    const groups = query.groups === true && schema.type.id === 'User'
    // No OFFSET on a first page: with `OFFSET $n` the generic plan of a prepared lookup is
    // costed as if it skipped rows, so PostgreSQL judged it dearer than planning each lookup
    // for its values, and planned every one (the planner was the top of PostgreSQL's profile
    // in the sync). Without it the generic plan is taken after five executions.
    const text =
      `SELECT ${RESOURCE_COLUMNS}${groups ? `, ${GROUPS_COLUMN}` : ''} FROM resources r WHERE ${where} ` +
      `ORDER BY ${order} LIMIT $${n + 1}${offset === 0 ? '' : ` OFFSET $${n + 2}`}`
    const values = offset === 0 ? [...params, count] : [...params, count, offset]
    const { rows } = await db.query<ResourceRow & { groups?: [string, string | null][] }>(
      isLookup(query) ? named(text, values) : { text, values },
    )
    noteOffset(offset)
    // A first page that is not full holds every match: its length is the total, and the
    // COUNT query (a second pass over the matches) is not needed. Lookups are such pages.
    const total = offset === 0 && rows.length < count ? rows.length : await countAll()
    return {
      totalResults: total,
      resources: rows.map(toResource),
      ...(groups && { groups: rows.map((row) => (row.groups ?? []).map(([value, display]) => toMembership(value, display))) }),
    }
  }

  /**
   * An unfiltered page in insertion order by `startIndex`: totalResults from `resource_counts`,
   * and the rows from the nearest remembered position (see page-positions.ts), so a sequential
   * walk seeks to each page instead of skipping every row before it.
   */
  async #insertionPage(
    db: Queryable,
    type: string,
    where: string,
    params: unknown[],
    offset: number,
    count: number,
  ): Promise<ListResult> {
    const list = `${this.tenant.id}/${type}`
    if (count === 0) return { totalResults: (await this.#counts(db, type)).total, resources: [] }
    // The position is checked against `removed` read in the page's own snapshot; when a delete
    // came in between, the page is read again with OFFSET.
    let from = nearestPosition(db, list, offset)
    for (;;) {
      const pageParams = [...params]
      const after = from ? ` AND r.seq > ${postgresDialect.param(pageParams, from.seq)}` : ''
      const skip = offset - (from?.offset ?? 0)
      const limit = postgresDialect.param(pageParams, count)
      const skipParam = postgresDialect.param(pageParams, skip)
      const { rows, counts } = await this.#withCounts(
        db,
        type,
        true,
        `SELECT ${RESOURCE_COLUMNS}, r.seq AS sort_seq FROM resources r WHERE ${where}${after} ` +
          `ORDER BY r.seq LIMIT ${limit} OFFSET ${skipParam}`,
        pageParams,
      )
      if (from !== undefined && counts.removed !== from.removed) {
        from = undefined
        continue
      }
      noteOffset(skip)
      const last = rows.at(-1)
      if (last !== undefined) rememberPosition(db, list, offset + rows.length, Number(last.sort_seq), counts.removed)
      return { totalResults: counts.total, resources: rows.map(toResource) }
    }
  }

  /**
   * Runs a page query with the `resource_counts` row in the same statement, hence the same
   * snapshot: totalResults and `removed` agree with the rows. An empty page reads the counts
   * alone.
   */
  async #withCounts<R>(
    db: Queryable,
    type: string,
    wanted: boolean,
    page: string,
    params: unknown[],
  ): Promise<{ rows: (ResourceRow & R & { sort_seq: string })[]; counts: { total: number; removed: number } }> {
    if (!wanted) {
      const { rows } = await db.query<ResourceRow & R & { sort_seq: string }>(page, params)
      return { rows, counts: { total: 0, removed: 0 } }
    }
    const counts = `(SELECT c.%s FROM resource_counts c WHERE c.tenant_id = $1 AND c.resource_type = ${type})`
    const sql = page.replace(
      /^SELECT /,
      `SELECT ${counts.replace('%s', 'total')} AS counts_total, ${counts.replace('%s', 'removed')} AS counts_removed, `,
    )
    const { rows } = await db.query<ResourceRow & R & { sort_seq: string; counts_total: string | null; counts_removed: string | null }>(
      sql,
      params,
    )
    const first = rows[0]
    if (first === undefined) return { rows, counts: await this.#counts(db, type) }
    return { rows, counts: { total: Number(first.counts_total ?? 0), removed: Number(first.counts_removed ?? 0) } }
  }

  async #counts(db: Queryable, type: string): Promise<{ total: number; removed: number }> {
    const { rows } = await db.query<{ total: string; removed: string }>(
      named(`SELECT total, removed FROM resource_counts WHERE tenant_id = $1 AND resource_type = ${type}`, [
        this.tenant.id,
      ]),
    )
    return { total: Number(rows[0]?.total ?? 0), removed: Number(rows[0]?.removed ?? 0) }
  }

  async #cursorKey(db: Queryable): Promise<Buffer> {
    const { rows } = await db.query<{ value: Buffer }>(named(`SELECT value FROM secrets WHERE name = 'cursor'`, []))
    if (rows[0] === undefined) throw new Error('the cursor key is missing: run migrations (bin/roster migrate)')
    return rows[0].value
  }

  /** One resource: `insertMany` of one; a taken userName is 409 `uniqueness`. */
  async insert(db: Queryable, resource: NewResource): Promise<StoredResource> {
    const [stored] = await this.insertMany(db, resource.resourceType, [storable(resource)])
    if (stored === undefined) throw userNameTaken(resource.document)
    return stored
  }

  /**
   * Inserts resources of one type in one statement, which also runs on its own (autocommit,
   * see insert-batches.ts). Returns, in order, the stored resource of each, or undefined for
   * one whose userName is taken (by a committed row, or by an earlier one of `resources`).
   *
   * Seq order is visibility order (page-positions.ts relies on it): the statement takes the
   * (tenant, type) insert lock before any row draws its seq (`locked` is evaluated before the
   * first row passes the WHERE, defaults are computed after), and holds it until the
   * transaction ends; so inserts of one (tenant, type) commit one at a time, in seq order.
   * `resource_counts.total` grows by the rows actually inserted, in the same statement.
   */
  async insertMany(db: Queryable, type: ResourceTypeId, resources: readonly StorableResource[]): Promise<(StoredResource | undefined)[]> {
    typeLiteral(type)
    const columns: unknown[][] = Array.from({ length: 10 }, () => [])
    const documents = resources.map(({ resource, indexed, document }) => {
      if (resource.resourceType !== type) throw new TypeError(`insertMany of ${type} got a ${resource.resourceType}`)
      const values = [resource.id, resource.created, resource.lastModified, ...indexed, document]
      values.forEach((v, i) => columns[i]!.push(v))
      return document
    })
    const { rows } = await db.query<{ id: string }>(
      named(
        'WITH locked AS (SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || $1 || $2, 0))), ' +
          'inserted AS (INSERT INTO resources (tenant_id, resource_type, id, version, created, last_modified, ' +
          'user_name, user_name_fold, external_id, display_name, display_name_fold, active, document) ' +
          'SELECT $1, $2, r.id, 1, r.created, r.last_modified, r.user_name, r.user_name_fold, r.external_id, ' +
          'r.display_name, r.display_name_fold, r.active, r.document ' +
          'FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], ' +
          '$10::text[], $11::boolean[], $12::json[]) WITH ORDINALITY ' +
          'AS r (id, created, last_modified, user_name, user_name_fold, external_id, display_name, ' +
          'display_name_fold, active, document, ord) ' +
          'WHERE EXISTS (SELECT 1 FROM locked) ORDER BY r.ord ON CONFLICT DO NOTHING RETURNING id), ' +
          'counted AS (INSERT INTO resource_counts AS c (tenant_id, resource_type, total, removed) ' +
          'SELECT $1, $2, count(*), 0 FROM inserted ' +
          'ON CONFLICT (tenant_id, resource_type) DO UPDATE SET total = c.total + EXCLUDED.total) ' +
          'SELECT id FROM inserted',
        [this.tenant.id, type, ...columns],
      ),
    )
    const inserted = new Set(rows.map((r) => r.id))
    return resources.map(({ resource }, i) =>
      inserted.has(resource.id)
        ? {
            id: resource.id,
            resourceType: type,
            version: 1,
            created: resource.created,
            lastModified: resource.lastModified,
            // What a later get() returns: a copy, without the values JSON drops.
            document: JSON.parse(documents[i]!) as Record<string, unknown>,
          }
        : undefined,
    )
  }

  async update(
    db: Queryable,
    resource: ResourceUpdate,
    expectedVersion: number,
  ): Promise<StoredResource | undefined> {
    if (!storableKey(resource.id)) return undefined
    const document = documentJson(resource.document)
    let row: { version: number; created: string } | undefined
    try {
      const result = await db.query<{ version: number; created: string }>(
        named(
          'UPDATE resources SET version = version + 1, last_modified = $1, user_name = $2, user_name_fold = $3, ' +
            'external_id = $4, display_name = $5, display_name_fold = $6, active = $7, document = $8 ' +
            `WHERE tenant_id = $9 AND resource_type = ${typeLiteral(resource.resourceType)} AND id = $10 AND version = $11 ` +
            'RETURNING version, created',
          [
            resource.lastModified,
            ...indexedValues(resource.document),
            document,
            this.tenant.id,
            resource.id,
            expectedVersion,
          ],
        ),
      )
      row = result.rows[0]
    } catch (e) {
      rethrowUniqueness(e, resource.document)
    }
    if (row === undefined) return undefined
    return {
      id: resource.id,
      resourceType: resource.resourceType,
      version: row.version,
      created: row.created,
      lastModified: resource.lastModified,
      document: JSON.parse(document) as Record<string, unknown>,
    }
  }

  /**
   * The resource, then every membership row naming it. Two statements: the second takes its
   * snapshot after the first has the row, so it also sees membership rows committed by a
   * transaction the first waited for (one that added this resource to a group).
   */
  async delete(db: Queryable, type: ResourceTypeId, id: string): Promise<boolean> {
    const literal = typeLiteral(type)
    if (!storableKey(id)) return false
    const deleted = await db.query(
      named(`DELETE FROM resources WHERE tenant_id = $1 AND resource_type = ${literal} AND id = $2`, [
        this.tenant.id,
        id,
      ]),
    )
    if (deleted.rowCount === 0) return false
    await db.query(
      named(
        'UPDATE resource_counts SET total = total - 1, removed = removed + 1 ' +
          `WHERE tenant_id = $1 AND resource_type = ${literal}`,
        [this.tenant.id],
      ),
    )
    await db.query(
      named(
        `DELETE FROM memberships WHERE tenant_id = $1 AND member_id = $2 AND member_type = ${literal}` +
          (type === 'Group' ? ' OR tenant_id = $1 AND group_id = $2' : ''),
        [this.tenant.id, id],
      ),
    )
    return true
  }

  /**
   * One statement for all members, added in the order given (`seq` follows the ordinality).
   * Members already present are skipped by the unique key; so is a repeat within the list.
   */
  async addMembers(
    db: Queryable,
    groupId: string,
    members: readonly { value: string; type: ResourceTypeId }[],
  ): Promise<number> {
    if (members.length === 0) return 0
    for (const member of members) typeLiteral(member.type)
    const result = await db.query(
      named(
        'INSERT INTO memberships (tenant_id, group_id, member_id, member_type) ' +
          'SELECT $1, $2, t.member_id, t.member_type ' +
          'FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t (member_id, member_type, n) ORDER BY t.n ' +
          'ON CONFLICT DO NOTHING',
        [this.tenant.id, groupId, members.map((m) => m.value), members.map((m) => m.type)],
      ),
    )
    return result.rowCount ?? 0
  }

  /** By member: one probe of the member-first key per value, whatever the size of the group. */
  async removeMembers(db: Queryable, groupId: string, values: readonly string[]): Promise<number> {
    const keys = [...new Set(values)].filter(storableKey)
    if (keys.length === 0 || !storableKey(groupId)) return 0
    const result = await db.query(
      named(
        'DELETE FROM memberships WHERE tenant_id = $1 AND member_id = ANY($2::text[]) AND group_id = $3',
        [this.tenant.id, keys, groupId],
      ),
    )
    return result.rowCount ?? 0
  }

  async clearMembers(db: Queryable, groupId: string): Promise<number> {
    if (!storableKey(groupId)) return 0
    const result = await db.query(
      named('DELETE FROM memberships WHERE tenant_id = $1 AND group_id = $2', [this.tenant.id, groupId]),
    )
    return result.rowCount ?? 0
  }
}

import { invalidCursor, invalidSyntax, invalidValue } from '../errors.js'
import type { AttrPath } from '../filter/ast.js'
import { assertSafeObject, isPlainObject } from '../json/safe-object.js'
import { parseAttrPath } from '../path/attr-path.js'
import { SCHEMA_URNS } from '../schema/attribute.js'
import { parseAttributeList, type AttributePath } from '../schema/attribute-list.js'
import { describeValue } from '../schema/coerce.js'

/** RFC 7644 §3.4.2 and §3.4.3: what a query asks for, from the URL or a `/.search` body. */
export interface SearchRequest {
  /** The filter text; the caller parses it (RFC 7644 §3.4.2.2). */
  filter?: string
  sortBy?: AttrPath
  sortOrder?: 'ascending' | 'descending'
  /** 1-based (RFC 7644 §3.4.2.4). */
  startIndex: number
  count: number
  attributes?: AttributePath[]
  excludedAttributes?: AttributePath[]
  /**
   * RFC 9865 §2: cursor pagination; '' (or `?cursor` without a value) asks for the first page.
   * Absent: index pagination with `startIndex`.
   */
  cursor?: string
}

export type SearchSource = { kind: 'query'; query: Record<string, unknown> } | { kind: 'body'; body: unknown }

export interface PageLimits {
  defaultCount: number
  maxCount: number
}

const PARAMETERS = [
  'filter',
  'sortBy',
  'sortOrder',
  'startIndex',
  'count',
  'cursor',
  'attributes',
  'excludedAttributes',
] as const
type Parameter = (typeof PARAMETERS)[number]
const BY_FOLDED_NAME = new Map<string, Parameter>(PARAMETERS.map((p) => [p.toLowerCase(), p]))

/**
 * Reads the query parameters of RFC 7644 §3.4.2 (names in any case: Okta and Entra ID differ)
 * or a SearchRequest message (§3.4.3), and applies §3.4.2.4's rules for out-of-range paging
 * values: a startIndex below 1 is 1, a negative count is 0, and a count above the server's
 * maximum is that maximum.
 */
export function parseSearchRequest(source: SearchSource, limits: PageLimits): SearchRequest {
  const values = source.kind === 'query' ? fromQuery(source.query) : fromBody(source.body)
  const request: SearchRequest = {
    startIndex: 1,
    count: Math.max(0, Math.min(limits.defaultCount, limits.maxCount)),
  }

  const filter = values.get('filter')
  if (filter !== undefined) request.filter = text('filter', filter)
  const sortBy = values.get('sortBy')
  if (sortBy !== undefined) {
    const raw = text('sortBy', sortBy).trim()
    const path = parseAttrPath(raw)
    if (!path) throw invalidValue(`sortBy: '${raw}' is not an attribute path`)
    request.sortBy = path
  }
  const sortOrder = values.get('sortOrder')
  if (sortOrder !== undefined) {
    const raw = text('sortOrder', sortOrder)
    const folded = raw.toLowerCase()
    if (folded !== 'ascending' && folded !== 'descending') {
      throw invalidValue(`sortOrder: expected 'ascending' or 'descending', got '${raw}'`)
    }
    request.sortOrder = folded
  } else if (request.sortBy) {
    request.sortOrder = 'ascending'
  }
  const startIndex = values.get('startIndex')
  if (startIndex !== undefined) request.startIndex = Math.max(1, integer('startIndex', startIndex))
  const cursor = values.get('cursor')
  if (cursor !== undefined) {
    if (typeof cursor !== 'string')
      throw invalidCursor(`cursor: expected a string (a nextCursor or previousCursor value), got ${describeValue(cursor)}`)
    if (startIndex !== undefined) {
      throw invalidValue(
        "'startIndex' and 'cursor' cannot be used together; give startIndex for index pagination or cursor for cursor pagination (RFC 9865 §2)",
      )
    }
    request.cursor = cursor
  }
  const count = values.get('count')
  if (count !== undefined) request.count = Math.min(Math.max(0, integer('count', count)), limits.maxCount)

  const attributes = attributeList('attributes', values.get('attributes'))
  const excludedAttributes = attributeList('excludedAttributes', values.get('excludedAttributes'))
  if (attributes && excludedAttributes) {
    throw invalidValue("'attributes' and 'excludedAttributes' cannot be used together; give one of them")
  }
  if (attributes) request.attributes = attributes
  if (excludedAttributes) request.excludedAttributes = excludedAttributes
  return request
}

/** Query values: strings, or arrays when a parameter is repeated. Empty values count as absent. */
function fromQuery(query: Record<string, unknown>): Map<Parameter, unknown> {
  const values = new Map<Parameter, unknown>()
  for (const [key, raw] of Object.entries(query)) {
    const parameter = BY_FOLDED_NAME.get(key.toLowerCase())
    if (!parameter) continue
    if (Array.isArray(raw) && raw.length > 1) throw givenTwice(parameter)
    const value: unknown = Array.isArray(raw) ? raw[0] : raw
    // RFC 9865 §2: an empty cursor (`?cursor` or `?cursor=`) starts a cursor walk.
    if (value === undefined || (value === '' && parameter !== 'cursor')) continue
    if (values.has(parameter)) throw givenTwice(parameter)
    values.set(parameter, value)
  }
  return values
}

function fromBody(body: unknown): Map<Parameter, unknown> {
  if (!isPlainObject(body))
    throw invalidSyntax(`SearchRequest: expected a JSON object, got ${describeValue(body)}`)
  assertSafeObject(body)
  const values = new Map<Parameter, unknown>()
  let schemas: unknown
  for (const [key, value] of Object.entries(body)) {
    const folded = key.toLowerCase()
    if (folded === 'schemas') schemas = value
    const parameter = BY_FOLDED_NAME.get(folded)
    if (!parameter || value === null || value === undefined) continue
    if (values.has(parameter)) throw givenTwice(parameter)
    values.set(parameter, value)
  }
  const urn = SCHEMA_URNS.searchRequest
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === urn.toLowerCase())
  ) {
    throw invalidValue(`schemas: a SearchRequest must list '${urn}'`)
  }
  return values
}

const givenTwice = (parameter: Parameter) => invalidValue(`${parameter}: given more than once`)

function text(parameter: Parameter, value: unknown): string {
  if (typeof value === 'string') return value
  throw invalidValue(`${parameter}: expected a string, got ${describeValue(value)}`)
}

function integer(parameter: Parameter, value: unknown): number {
  let n = Number.NaN
  if (typeof value === 'number') n = value
  else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) n = Number(value)
  if (!Number.isInteger(n)) {
    throw invalidValue(
      `${parameter} must be an integer, got ${typeof value === 'number' ? value : describeValue(value)}`,
    )
  }
  return Math.max(Math.min(n, Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER)
}

/** A comma-separated string (query, body) or a list of such strings (body, RFC 7644 §3.4.3). */
function attributeList(
  parameter: 'attributes' | 'excludedAttributes',
  value: unknown,
): AttributePath[] | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return parseAttributeList(value, parameter)
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalidValue(`${parameter}: expected a list of attribute names, got ${describeValue(value)}`)
  }
  const paths = value.flatMap((item: string) => parseAttributeList(item, parameter) ?? [])
  return paths.length === 0 ? undefined : paths
}

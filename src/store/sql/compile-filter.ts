/**
 * RFC 7644 §3.4.2.2 filters → an SQL predicate over the resources table (alias `r`), with the
 * semantics of `evaluate()` (src/scim/filter/evaluate.ts), which the tests use as the oracle:
 *
 * - indexed attributes read their columns (folded columns for case-insensitive ones), the rest
 *   JSON inside `r.document`; `User.groups` and `Group.members` read the membership table;
 * - a multi-valued attribute matches when one of its elements does (`EXISTS`), and all the
 *   conditions of a value filter `emails[type eq "work" and value co "@x"]` hold for the same
 *   element;
 * - `ne` matches an absent attribute; `eq null` means "not present";
 * - the compiled predicate is true exactly where `evaluate()` is true. Where it is false, SQL
 *   may yield NULL, which WHERE, AND and OR treat as false; `not` therefore compiles to
 *   `IS NOT TRUE`, which turns NULL into true like `!` does.
 *
 * Values are always bound parameters, never SQL text.
 */
import { invalidFilter } from '../../scim/errors.js'
import type {
  AttrPath,
  Compare,
  CompareOperator,
  CompareValue,
  Filter,
  Present,
} from '../../scim/filter/ast.js'
import { checkFilter } from '../../scim/filter/check-filter.js'
import { elementAttribute, parseDateTime, resolveFilterPath } from '../../scim/filter/filter-attribute.js'
import { formatAttrPath } from '../../scim/path/attr-path.js'
import type { AttributeDefinition } from '../../scim/schema/attribute.js'
import {
  subAttribute,
  type ResolvedAttribute,
  type ResourceSchema,
} from '../../scim/schema/resource-schema.js'
import { foldCase as fold } from '../../scim/fold-case.js'
import type { JsonRef, SqlDialect } from './dialect.js'

export interface CompiledSql {
  readonly sql: string
  readonly params: unknown[]
}

/** The alias the compilers expect for the resources table. */
export const RESOURCE_ALIAS = 'r'

/**
 * Compiles `filter` for `schema`'s resource type. Parameters are appended to `params` (pass the
 * ones the enclosing statement already holds, so positional placeholders line up). Runs
 * `checkFilter` first: unknown attributes and comparisons the RFC forbids are 400 `invalidFilter`.
 */
export function compileFilter(
  filter: Filter,
  schema: ResourceSchema,
  dialect: SqlDialect,
  params: unknown[] = [],
): CompiledSql {
  const single = filter.kind === 'compare' && typeof filter.value === 'string' ? filter : undefined
  const key = single && comparisonKey(single, dialect)
  const known = key && textTargets.get(schema)?.get(key)
  if (single && known) {
    return { sql: new FilterCompiler(schema, dialect, params).compareScalar(single.op, known, single.value, true), params }
  }
  checkFilter(filter, schema)
  const compiler = new FilterCompiler(schema, dialect, params)
  const sql = compiler.filter(filter, undefined)
  if (single && key) rememberTextTarget(schema, key, compiler.mapper.target(single.path))
  return { sql, params }
}

/**
 * Text columns compared by single-comparison filters (`userName eq "…"`), by schema and shape.
 * For such a filter, with a string value, nothing but the bound value depends on the value:
 * `checkFilter` accepts any string for a text attribute, and the comparison SQL comes from the
 * path and operator. So once one such filter compiled, the next of the same shape skips the
 * check and the attribute lookup and goes straight to `compareScalar`.
 */
const textTargets = new WeakMap<ResourceSchema, Map<string, Scalar>>()
const MAX_TEXT_TARGETS = 256

const comparisonKey = (f: Compare, dialect: SqlDialect) =>
  `${dialect.name}\u0000${f.op}\u0000${f.path.uri ?? ''}\u0000${f.path.name}\u0000${f.path.subAttr ?? ''}`

function rememberTextTarget(schema: ResourceSchema, key: string, target: Target): void {
  if (target.kind !== 'scalar' || !TEXT_TYPES.has(target.scalar.attribute.type)) return
  let byKey = textTargets.get(schema)
  if (byKey === undefined) textTargets.set(schema, (byKey = new Map()))
  if (byKey.size >= MAX_TEXT_TARGETS) byKey.clear()
  byKey.set(key, target.scalar)
}

/** One value of a row, as SQL. */
export interface Scalar {
  readonly sql: string
  /** The attribute whose type and `caseExact` govern comparisons. */
  readonly attribute: AttributeDefinition
  /**
   * `sql` is in comparable form already: folded (a `*_fold` column) or, for a dateTime, the
   * `toISOString()` text the store writes. Otherwise `comparable()` converts it.
   */
  readonly canonical: boolean
  /** The `pr` predicate; never NULL. */
  readonly present: string
  /** Unique and never NULL: sorting needs no tie-breaker. */
  readonly unique?: boolean
}

/** One element of a multi-valued attribute, inside the subquery that enumerates them. */
export interface Element {
  /** A sub-attribute of the element, or for a list of simple values (`value`) the element itself. */
  field(attribute: AttributeDefinition): Scalar
}

/** The elements of a multi-valued attribute of the current row. */
export interface Collection {
  /** `EXISTS` over the elements, `where` being the condition on one element. */
  exists(where: (element: Element) => string): string
  /** RFC 7644 §3.4.2.3: the value of the primary element, or else of the first, for sorting. */
  first(value: (element: Element) => string): string
}

/** What a path names in the current row. */
export type Target =
  | { readonly kind: 'scalar'; readonly scalar: Scalar }
  | { readonly kind: 'collection'; readonly collection: Collection; readonly attribute: AttributeDefinition }
  /** A single-valued complex attribute as a whole; only `pr` applies. */
  | { readonly kind: 'object'; readonly present: string }

const COMPARISON: Readonly<Record<Exclude<CompareOperator, 'co' | 'sw' | 'ew'>, string>> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
}

const TEXT_TYPES: ReadonlySet<AttributeDefinition['type']> = new Set(['string', 'reference', 'binary'])

const r = RESOURCE_ALIAS

/**
 * Maps attribute paths of one resource type to SQL. Shared by the filter and sort compilers so
 * both read the same columns and JSON.
 */
export class AttributeMapper {
  constructor(
    readonly schema: ResourceSchema,
    readonly dialect: SqlDialect,
  ) {}

  /** Resolves a top-level path (not inside a value filter); unknown paths are 400 `invalidFilter`. */
  resolve(path: AttrPath): ResolvedAttribute {
    const resolved = resolveFilterPath(path, this.schema)
    if (resolved === undefined) {
      throw invalidFilter(
        `filter: unknown attribute '${formatAttrPath(path)}' for resource type '${this.schema.type.id}'`,
      )
    }
    // RFC 7643 §7 `returned: never` (password): neither filters nor sorting may probe it.
    if (resolved.attribute.returned === 'never' || resolved.subAttribute?.returned === 'never') {
      throw invalidFilter(`filter: '${formatAttrPath(path)}' cannot be used in a filter`)
    }
    return resolved
  }

  /** What `path` reads. A complex attribute named alone stands for its `value` (RFC 7644 §3.4.2.2). */
  target(path: AttrPath): Target {
    const resolved = this.resolve(path)
    const top = resolved.attribute
    const compared = resolved.subAttribute ?? (top.type === 'complex' ? subAttribute(top, 'value') : top)
    if (compared === undefined) return { kind: 'object', present: this.wholePresent(resolved) }
    const collection = this.collection(resolved)
    if (collection !== undefined) {
      // For a list of simple values (`schemas`), each element is compared as a single value.
      const attribute = top.type === 'complex' ? compared : { ...top, multiValued: false }
      return { kind: 'collection', collection, attribute }
    }
    const column = this.column(resolved, path)
    if (column !== undefined) return { kind: 'scalar', scalar: column }
    const ref: JsonRef = {
      base: `${r}.document`,
      keys: top === compared ? this.keys(resolved) : [...this.keys(resolved), compared.name],
    }
    const sql = this.dialect.jsonValue(ref, compared.type)
    return {
      kind: 'scalar',
      scalar: { sql, attribute: compared, canonical: false, present: this.dialect.jsonPresent(ref, true) },
    }
  }

  /** The elements of the multi-valued attribute `path` names, for a value filter `path[...]`. */
  elements(path: AttrPath): { collection: Collection; parent: AttributeDefinition } | undefined {
    if (path.subAttr !== undefined) return undefined
    const resolved = this.resolve(path)
    const collection = this.collection(resolved)
    return collection && { collection, parent: resolved.attribute }
  }

  /**
   * RFC 7644 §3.4.2.2 `pr` of a top-level path. Named alone, a complex or multi-valued attribute
   * is present when anything inside it is (`emails pr`, `name pr`).
   */
  present(path: AttrPath): string {
    const resolved = this.resolve(path)
    const { attribute, subAttribute: sub } = resolved
    if (sub === undefined && (attribute.multiValued || attribute.type === 'complex'))
      return this.wholePresent(resolved)
    const target = this.target(path)
    switch (target.kind) {
      case 'scalar':
        return target.scalar.present
      case 'collection':
        return target.collection.exists((e) => e.field(target.attribute).present)
      case 'object':
        return target.present
      default:
        return unreachable(target)
    }
  }

  /** The JSON keys of the top-level attribute: extension attributes live under their URN (RFC 7643 §3.3). */
  private keys(resolved: ResolvedAttribute): string[] {
    return resolved.extension === undefined
      ? [resolved.attribute.name]
      : [resolved.extension, resolved.attribute.name]
  }

  private wholePresent(resolved: ResolvedAttribute): string {
    // `meta` is not in the document; every resource has one (RFC 7643 §3.1).
    if (resolved.common && resolved.attribute.name === 'meta') return 'TRUE'
    const collection = this.collection(resolved)
    if (collection instanceof MembershipCollection) return collection.exists(() => 'TRUE')
    return this.dialect.jsonPresent({ base: `${r}.document`, keys: this.keys(resolved) }, false)
  }

  /** Derived attributes live in the membership table; other multi-valued ones in the document. */
  private collection(resolved: ResolvedAttribute): Collection | undefined {
    const { attribute, extension } = resolved
    if (!attribute.multiValued) return undefined
    if (extension === undefined && !resolved.common) {
      const type = this.schema.type.id
      if (type === 'User' && attribute.name === 'groups')
        return new MembershipCollection(this.dialect, 'groups')
      if (type === 'Group' && attribute.name === 'members')
        return new MembershipCollection(this.dialect, 'members')
    }
    return new JsonCollection(this.dialect, { base: `${r}.document`, keys: this.keys(resolved) }, attribute)
  }

  /** The attributes the store keeps in columns (see migrations.ts). */
  private column(resolved: ResolvedAttribute, path: AttrPath): Scalar | undefined {
    if (resolved.extension !== undefined) return undefined
    const { attribute: top, subAttribute: sub } = resolved
    const text = (
      sql: string,
      attribute: AttributeDefinition,
      canonical: boolean,
      unique = false,
    ): Scalar => ({
      sql,
      attribute,
      canonical,
      present: `COALESCE(${sql}, '') <> ''`,
      ...(unique && { unique }),
    })
    if (resolved.common) {
      if (top.name === 'id') return text(`${r}.id`, top, false, true)
      if (top.name === 'externalId')
        return text(
          top.caseExact ? `${r}.external_id` : this.dialect.fold(`${r}.external_id`),
          top,
          !top.caseExact,
        )
      if (top.name !== 'meta' || sub === undefined) return undefined
      switch (sub.name) {
        case 'created':
          return text(`${r}.created`, sub, true)
        case 'lastModified':
          return text(`${r}.last_modified`, sub, true)
        case 'resourceType':
          return text(`${r}.resource_type`, sub, false)
        case 'version':
          return text(`('W/"' || ${r}.version || '"')`, sub, false)
        default:
          // RFC 7643 §3.1 meta.location is built from the request's base URL, which the store never sees.
          throw invalidFilter(`filter: '${formatAttrPath(path)}' cannot be used in a filter on this server`)
      }
    }
    const type = this.schema.type.id
    if (type === 'User' && top.name === 'userName') {
      return top.caseExact ? text(`${r}.user_name`, top, false) : text(`${r}.user_name_fold`, top, true, true)
    }
    if ((type === 'User' || type === 'Group') && top.name === 'displayName') {
      return text(top.caseExact ? `${r}.display_name` : `${r}.display_name_fold`, top, !top.caseExact)
    }
    if (type === 'User' && top.name === 'active' && top.type === 'boolean') {
      return { sql: `${r}.active`, attribute: top, canonical: false, present: `${r}.active IS NOT NULL` }
    }
    return undefined
  }
}

/** A JSON array in the document, one row per element. */
class JsonCollection implements Collection {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly ref: JsonRef,
    private readonly attribute: AttributeDefinition,
  ) {}

  exists(where: (element: Element) => string): string {
    return `EXISTS (SELECT 1 FROM ${this.dialect.jsonElements(this.ref, 'e')} WHERE ${where(this.element())})`
  }

  first(value: (element: Element) => string): string {
    const d = this.dialect
    const e = this.element()
    const selected = value(e)
    const primary = this.attribute.type === 'complex' ? subAttribute(this.attribute, 'primary') : undefined
    const order = [
      ...(primary?.type === 'boolean' ? [`(${e.field(primary).sql}) IS TRUE DESC`] : []),
      d.elementOrdinal('e'),
    ]
    const from = d.jsonElements(this.ref, 'e')
    return `(SELECT ${selected} FROM ${from} WHERE ${selected} IS NOT NULL ORDER BY ${order.join(', ')} LIMIT 1)`
  }

  private element(): Element {
    const d = this.dialect
    const parent = this.attribute
    return {
      field(attribute: AttributeDefinition): Scalar {
        if (parent.type !== 'complex') {
          return {
            sql: d.elementValue('e', attribute.type),
            attribute,
            canonical: false,
            present: d.elementPresent('e'),
          }
        }
        const ref: JsonRef = { base: d.elementJson('e'), keys: [attribute.name] }
        return {
          sql: d.jsonValue(ref, attribute.type),
          attribute,
          canonical: false,
          present: d.jsonPresent(ref, true),
        }
      },
    }
  }
}

/**
 * `User.groups` and `Group.members` (RFC 7643 §4.1.2, §4.2), derived from the membership table.
 * `display` joins the other side's resource row; the join is added only when used.
 */
class MembershipCollection implements Collection {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly side: 'groups' | 'members',
  ) {}

  exists(where: (element: Element) => string): string {
    const { element, joined } = this.element()
    const condition = where(element)
    // The condition may be an OR: it must not escape the correlation.
    const all = condition === 'TRUE' ? this.correlation() : `${this.correlation()} AND (${condition})`
    return `EXISTS (SELECT 1 FROM ${this.from(joined())} WHERE ${all})`
  }

  first(value: (element: Element) => string): string {
    const { element, joined } = this.element()
    const selected = value(element)
    const where = `${this.correlation()} AND ${selected} IS NOT NULL`
    return `(SELECT ${selected} FROM ${this.from(joined())} WHERE ${where} ORDER BY m.seq LIMIT 1)`
  }

  private from(join: boolean): string {
    if (!join) return 'memberships m'
    return this.side === 'groups'
      ? 'memberships m LEFT JOIN resources g ON g.tenant_id = m.tenant_id ' +
          `AND g.resource_type = ${this.dialect.literal('Group')} AND g.id = m.group_id`
      : 'memberships m LEFT JOIN resources u ON u.tenant_id = m.tenant_id ' +
          'AND u.resource_type = m.member_type AND u.id = m.member_id'
  }

  private correlation(): string {
    return this.side === 'groups'
      ? `m.tenant_id = ${r}.tenant_id AND m.member_id = ${r}.id AND m.member_type = ${this.dialect.literal('User')}`
      : `m.tenant_id = ${r}.tenant_id AND m.group_id = ${r}.id`
  }

  private element(): { element: Element; joined: () => boolean } {
    let join = false
    const side = this.side
    const dialect = this.dialect
    const element: Element = {
      field(attribute: AttributeDefinition): Scalar {
        const text = (sql: string, canonical: boolean, present = `${sql} <> ''`): Scalar => ({
          sql,
          attribute,
          canonical,
          present,
        })
        switch (attribute.name) {
          case 'value':
            return text(side === 'groups' ? 'm.group_id' : 'm.member_id', false)
          case 'type':
            return side === 'groups' ? text(dialect.literal('direct'), true) : text('m.member_type', false)
          case 'display':
            join = true
            return side === 'groups'
              ? text(
                  attribute.caseExact ? 'g.display_name' : 'g.display_name_fold',
                  !attribute.caseExact,
                  "COALESCE(g.display_name, '') <> ''",
                )
              : text(
                  attribute.caseExact
                    ? 'COALESCE(u.display_name, u.user_name)'
                    : 'COALESCE(u.display_name_fold, u.user_name_fold)',
                  !attribute.caseExact,
                  "COALESCE(u.display_name, u.user_name, '') <> ''",
                )
          default:
            // `$ref` is built from the request's base URL, which the store never sees.
            throw invalidFilter(
              `filter: '${side}.${attribute.name}' cannot be used in a filter on this server`,
            )
        }
      },
    }
    return { element, joined: () => join }
  }
}

/**
 * The value of `scalar` as comparisons and sorting see it: case-insensitive text folded, a
 * dateTime as the instant's ISO text (it may be stored with any offset), anything else as is.
 */
export function comparable(scalar: Scalar, dialect: SqlDialect): string {
  if (scalar.canonical) return scalar.sql
  if (scalar.attribute.type === 'dateTime') return dialect.dateTime(scalar.sql)
  return TEXT_TYPES.has(scalar.attribute.type) && !scalar.attribute.caseExact
    ? dialect.fold(scalar.sql)
    : scalar.sql
}

class FilterCompiler {
  readonly mapper: AttributeMapper
  readonly #dialect: SqlDialect
  readonly #params: unknown[]

  constructor(schema: ResourceSchema, dialect: SqlDialect, params: unknown[]) {
    this.mapper = new AttributeMapper(schema, dialect)
    this.#dialect = dialect
    this.#params = params
  }

  /** `element` is set inside a value filter, whose paths name sub-attributes of one element. */
  filter(f: Filter, element: { parent: AttributeDefinition; element: Element } | undefined): string {
    switch (f.kind) {
      case 'and':
      case 'or': {
        const side = (child: Filter) => {
          const sql = this.filter(child, element)
          return (child.kind === 'and' || child.kind === 'or') && child.kind !== f.kind ? `(${sql})` : sql
        }
        return `${side(f.left)} ${f.kind.toUpperCase()} ${side(f.right)}`
      }
      case 'not':
        return `(${this.filter(f.filter, element)}) IS NOT TRUE`
      case 'present':
        return element === undefined ? this.mapper.present(f.path) : this.elementScalar(f, element).present
      case 'compare':
        if (element !== undefined) {
          return this.compareScalar(f.op, this.elementScalar(f, element), f.value, true)
        }
        return this.compare(f)
      case 'valuePath': {
        if (element !== undefined) {
          throw invalidFilter(`filter: nested value paths are not allowed at position ${f.position}`)
        }
        const elements = this.mapper.elements(f.path)
        if (elements === undefined) {
          throw invalidFilter(
            `filter: '${formatAttrPath(f.path)}' cannot take a value filter at position ${f.position}`,
          )
        }
        const { collection, parent } = elements
        return collection.exists((e) => this.filter(f.filter, { parent, element: e }))
      }
      default:
        return unreachable(f)
    }
  }

  private elementScalar(
    f: Compare | Present,
    scope: { parent: AttributeDefinition; element: Element },
  ): Scalar {
    const attribute = elementAttribute(scope.parent, f.path)
    if (attribute === undefined || attribute.returned === 'never') {
      throw invalidFilter(
        `filter: unknown sub-attribute '${formatAttrPath(f.path)}' of '${scope.parent.name}' at position ${f.position}`,
      )
    }
    return scope.element.field(attribute)
  }

  /**
   * RFC 7644 §3.4.2.2 on a top-level path. `eq null`/`ne null` ask whether a compared value is
   * present: for `emails`, whether some element has a `value`.
   */
  private compare(f: Compare): string {
    const target = this.mapper.target(f.path)
    switch (target.kind) {
      case 'scalar':
        return this.compareScalar(f.op, target.scalar, f.value, true)
      case 'collection': {
        const { collection, attribute } = target
        if (f.value === null) {
          const present = collection.exists((e) => e.field(attribute).present)
          return f.op === 'eq' ? `NOT ${present}` : f.op === 'ne' ? present : 'FALSE'
        }
        if (f.op !== 'ne') {
          return collection.exists((e) => this.compareScalar(f.op, e.field(attribute), f.value, false))
        }
        // `ne` holds when there is no value, or when some value differs (evaluate.ts matchValues).
        const none = collection.exists((e) => `${e.field(attribute).sql} IS NOT NULL`)
        const differs = collection.exists((e) => this.compareScalar('ne', e.field(attribute), f.value, false))
        return `(NOT ${none} OR ${differs})`
      }
      case 'object':
        throw invalidFilter(
          `filter: '${formatAttrPath(f.path)}' is complex; compare one of its sub-attributes at position ${f.position}`,
        )
      default:
        return unreachable(target)
    }
  }

  /**
   * One comparison of a single value. `absentDiffers`: `ne` is also true when the value is
   * absent (`IS DISTINCT FROM`); inside an `EXISTS` over elements it must not be.
   */
  compareScalar(
    op: CompareOperator,
    scalar: Scalar,
    value: CompareValue,
    absentDiffers: boolean,
  ): string {
    const d = this.#dialect
    if (value === null)
      return op === 'eq' ? `NOT (${scalar.present})` : op === 'ne' ? scalar.present : 'FALSE'
    const { attribute } = scalar
    const shown = attribute.name
    const lhs = comparable(scalar, d)
    let bound: unknown
    switch (attribute.type) {
      case 'boolean':
        bound = typeof value === 'string' ? fold(value) === 'true' : value
        if (typeof bound !== 'boolean')
          throw invalidFilter(`filter: '${shown}' is a boolean; ${String(value)} is not`)
        break
      case 'integer':
      case 'decimal':
        if (typeof value !== 'number')
          throw invalidFilter(`filter: '${shown}' is a number; ${String(value)} is not`)
        bound = value
        break
      case 'dateTime': {
        const instant = typeof value === 'string' ? parseDateTime(value) : undefined
        if (instant === undefined)
          throw invalidFilter(`filter: '${shown}' is a dateTime; ${String(value)} is not`)
        // Stored timestamps are Date#toISOString() text, which orders like the instants it names.
        bound = new Date(instant).toISOString()
        break
      }
      case 'string':
      case 'reference':
      case 'binary':
        if (typeof value !== 'string')
          throw invalidFilter(`filter: '${shown}' is a string; ${String(value)} is not`)
        bound = attribute.caseExact ? value : fold(value)
        if (op === 'co' || op === 'sw' || op === 'ew')
          return d.matches(lhs, op, bound as string, this.#params)
        break
      case 'complex':
        throw invalidFilter(`filter: '${shown}' is complex; compare one of its sub-attributes`)
      default:
        return unreachable(attribute.type)
    }
    if (op === 'co' || op === 'sw' || op === 'ew') {
      throw invalidFilter(`filter: '${op}' cannot be used on the ${attribute.type} attribute '${shown}'`)
    }
    if ((attribute.type === 'boolean' || attribute.type === 'binary') && op !== 'eq' && op !== 'ne') {
      throw invalidFilter(`filter: '${op}' cannot be used on the ${attribute.type} attribute '${shown}'`)
    }
    const placeholder = d.param(this.#params, bound)
    if (op === 'ne' && absentDiffers) return `${lhs} IS DISTINCT FROM ${placeholder}`
    return `${lhs} ${COMPARISON[op]} ${placeholder}`
  }
}

function unreachable(node: never): never {
  throw new TypeError(`unexpected ${JSON.stringify(node)}`)
}

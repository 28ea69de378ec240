/**
 * RFC 7644 §3.4.2.2: the filter grammar as an immutable tree. Parsers build it; `evaluate()`
 * (in memory) and the store's SQL compiler read it. Every node is frozen.
 */

/**
 * `[uri ":"] name ["." subAttr]`. Inside a value path's brackets paths are relative to the
 * element: `emails[type eq "work"]` has an inner path `{ name: 'type' }`.
 */
export interface AttrPath {
  /** The schema URN prefix as written, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  readonly uri?: string
  readonly name: string
  readonly subAttr?: string
}

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le'

/** RFC 7644 §3.4.2.2 compValue: false / null / true / number / string. */
export type CompareValue = string | number | boolean | null

export interface Compare {
  readonly kind: 'compare'
  readonly op: CompareOperator
  readonly path: AttrPath
  readonly value: CompareValue
  /** Zero-based offset of the expression in the filter text, for error messages. */
  readonly position: number
}

export interface Present {
  readonly kind: 'present'
  readonly path: AttrPath
  readonly position: number
}

export interface Logical {
  readonly kind: 'and' | 'or'
  readonly left: Filter
  readonly right: Filter
}

export interface Not {
  readonly kind: 'not'
  readonly filter: Filter
}

/** `emails[type eq "work" and value co "@example.com"]` — `filter` paths are relative to an element. */
export interface ValuePath {
  readonly kind: 'valuePath'
  readonly path: AttrPath
  readonly filter: Filter
  readonly position: number
}

export type Filter = Compare | Present | Logical | Not | ValuePath

/**
 * RFC 7644 §3.5.2 PATCH `path`: `attrPath` or `valuePath ["." subAttr]`.
 * `emails[type eq "work"].value` → `{ attrPath: { name: 'emails' }, valueFilter, subAttr: 'value' }`;
 * `name.givenName` → `{ attrPath: { name: 'name', subAttr: 'givenName' } }`.
 */
export interface PatchPath {
  readonly attrPath: AttrPath
  readonly valueFilter?: Filter
  readonly subAttr?: string
}

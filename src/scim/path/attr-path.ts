import type { AttrPath } from '../filter/ast.js'

/** RFC 7644 §3.10 ATTRNAME, plus `$ref` (RFC 7643 §2.3.7). */
export const ATTRNAME = /^(?:\$ref|[A-Za-z][A-Za-z0-9_-]*)$/

/**
 * Splits `[uri:]name[.subAttr]` as it appears in `attributes=`, `sortBy=` and the attribute
 * part of filters and PATCH paths. URNs contain dots (`2.0`), so the URN is cut at its last
 * colon before the name is split at the dot. Returns undefined for text that is not a path.
 */
export function parseAttrPath(text: string): AttrPath | undefined {
  let uri: string | undefined
  let rest = text
  if (/^urn:/i.test(text)) {
    const colon = text.lastIndexOf(':')
    uri = text.slice(0, colon)
    rest = text.slice(colon + 1)
    if (uri.length <= 4) return undefined
  }
  const dot = rest.indexOf('.')
  const name = dot === -1 ? rest : rest.slice(0, dot)
  const subAttr = dot === -1 ? undefined : rest.slice(dot + 1)
  if (!ATTRNAME.test(name) || (subAttr !== undefined && !ATTRNAME.test(subAttr))) return undefined
  const path: AttrPath = { name }
  return Object.freeze({ ...(uri !== undefined && { uri }), ...path, ...(subAttr !== undefined && { subAttr }) })
}

/** The text form of a path, for messages. */
export const formatAttrPath = (p: AttrPath): string =>
  `${p.uri ? `${p.uri}:` : ''}${p.name}${p.subAttr ? `.${p.subAttr}` : ''}`

import { invalidValue, isScimError } from '../errors.js'
import type { AttrPath, Filter } from '../filter/ast.js'
import { parseAttrPath } from '../path/attr-path.js'
import { parsePatchPath } from '../path/parse-patch-path.js'

/**
 * One item of `attributes` or `excludedAttributes`: an attribute path, or (beyond RFC 7644,
 * which names only attribute paths there) a value path such as `emails[type eq "work"]` or
 * `emails[type eq "work"].value`. Microsoft's SCIM test collection sends those; projection
 * then shows (or leaves out) only the values the filter matches (project.ts).
 */
export interface AttributePath extends AttrPath {
  readonly valueFilter?: Filter
}

/**
 * RFC 7644 §3.4.2.5: `attributes` and `excludedAttributes` are comma-separated attribute names
 * in the notation of §3.10. Whitespace around commas and empty items (`a,,b`, a trailing comma)
 * are tolerated; an empty list means the parameter was not given. Commas inside a value
 * filter's brackets or quotes do not separate items.
 */
export function parseAttributeList(
  text: string | undefined,
  parameter: 'attributes' | 'excludedAttributes',
): AttributePath[] | undefined {
  if (text === undefined) return undefined
  const paths: AttributePath[] = []
  for (const raw of splitItems(text)) {
    const item = raw.trim()
    if (item === '') continue
    paths.push(parseItem(item, parameter))
  }
  return paths.length === 0 ? undefined : paths
}

function parseItem(item: string, parameter: string): AttributePath {
  if (!item.includes('[')) {
    const path = parseAttrPath(item)
    if (!path) throw invalidValue(`${parameter}: '${item}' is not an attribute path`)
    return path
  }
  try {
    const { attrPath, valueFilter, subAttr } = parsePatchPath(item)
    return Object.freeze({
      ...attrPath,
      ...(subAttr !== undefined && { subAttr }),
      ...(valueFilter && { valueFilter }),
    })
  } catch (e) {
    if (!isScimError(e)) throw e
    // The parser's detail says where ("path: … at position 7"); the parameter is what was sent.
    throw invalidValue(`${parameter}: '${item}' is not an attribute path or value path (${e.detail})`)
  }
}

/** Splits at commas outside brackets and quoted strings (a filter may compare with ","). */
function splitItems(text: string): string[] {
  const items: string[] = []
  let depth = 0
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote !== undefined) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === '"' || (c === "'" && depth > 0)) quote = c
    else if (c === '[') depth++
    else if (c === ']') depth = Math.max(0, depth - 1)
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i))
      start = i + 1
    }
  }
  items.push(text.slice(start))
  return items
}

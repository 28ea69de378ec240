import { invalidValue } from '../errors.js'
import type { AttrPath } from '../filter/ast.js'
import { parseAttrPath } from '../path/attr-path.js'

/**
 * RFC 7644 §3.4.2.5: `attributes` and `excludedAttributes` are comma-separated attribute names
 * in the notation of §3.10. Whitespace around commas and empty items (`a,,b`, a trailing comma)
 * are tolerated; an empty list means the parameter was not given.
 */
export function parseAttributeList(
  text: string | undefined,
  parameter: 'attributes' | 'excludedAttributes',
): AttrPath[] | undefined {
  if (text === undefined) return undefined
  const paths: AttrPath[] = []
  for (const raw of text.split(',')) {
    const item = raw.trim()
    if (item === '') continue
    const path = parseAttrPath(item)
    if (!path) throw invalidValue(`${parameter}: '${item}' is not an attribute path`)
    paths.push(path)
  }
  return paths.length === 0 ? undefined : paths
}

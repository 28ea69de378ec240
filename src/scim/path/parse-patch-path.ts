import { invalidPath } from '../errors.js'
import type { PatchPath } from '../filter/ast.js'
import { FilterParser, MAX_FILTER_LENGTH, type Grammar } from '../filter/parse-filter.js'
import { ATTRNAME, parseAttrPath } from './attr-path.js'

const PATH_GRAMMAR: Grammar = { label: 'path', error: invalidPath }

/**
 * Parses an RFC 7644 §3.5.2 PATCH `path`: `attrPath` or `valuePath ["." subAttr]`, e.g.
 * `members[value eq "2819c223"]` or `emails[type eq "work"].value`. A bare extension URN
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`) parses as `uri` + `name`;
 * the caller tells it from an attribute with the schema. Throws `invalidPath` with the position.
 */
export function parsePatchPath(text: string): PatchPath {
  if (text.length > MAX_FILTER_LENGTH) throw invalidPath(`path: longer than ${MAX_FILTER_LENGTH} characters`)
  const parser: FilterParser = new FilterParser(text, PATH_GRAMMAR)
  const first = parser.advance()
  if (first.kind === 'end') throw invalidPath('path: the path is empty')
  const attrPath = first.kind === 'word' ? parseAttrPath(first.text) : undefined
  if (attrPath === undefined) parser.fail('expected an attribute path', first.start, first)

  const open = parser.advance()
  if (open.kind === 'end') return Object.freeze({ attrPath })
  if (open.kind !== '[') parser.fail("expected '[' or end of path", open.start, open)
  if (attrPath.subAttr !== undefined) {
    parser.fail(`a value filter cannot follow the sub-attribute '${first.text}'`, open.start)
  }
  const valueFilter = parser.parseValueFilter(open)

  const after = parser.advance()
  if (after.kind === 'end') return Object.freeze({ attrPath, valueFilter })
  // `].value`: the sub-attribute is glued to the bracket, as in the ABNF.
  const subAttr = after.kind === 'word' && after.text.startsWith('.') ? after.text.slice(1) : undefined
  if (subAttr === undefined || text[after.start - 1] !== ']') {
    parser.fail("expected '.' and a sub-attribute name or end of path after ']'", after.start, after)
  }
  if (!ATTRNAME.test(subAttr)) parser.fail('expected a sub-attribute name', after.start + 1, after)
  const end = parser.peek()
  if (end.kind !== 'end') parser.fail('expected end of path', end.start, end)
  return Object.freeze({ attrPath, valueFilter, subAttr })
}

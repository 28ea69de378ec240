import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { unstorableText } from '../json/unicode-text.js'
import type { AttrPath, CompareOperator, CompareValue, Filter } from './ast.js'
import { formatFilter, formatValue } from './format-filter.js'
import { parseFilter } from './parse-filter.js'

function stripPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripPositions)
  if (typeof node !== 'object' || node === null) return node
  return Object.fromEntries(
    Object.entries(node).filter(([k]) => k !== 'position').map(([k, v]) => [k, stripPositions(v)]),
  )
}

const present = (name: string): Filter => ({ kind: 'present', path: { name }, position: 0 })

describe('formatFilter', () => {
  test('prints each node kind', () => {
    assert.equal(formatFilter(parseFilter('userName EQ "bjensen"')), 'userName eq "bjensen"')
    assert.equal(formatFilter(parseFilter('title  PR')), 'title pr')
    assert.equal(formatFilter(parseFilter('not(title pr)')), 'not (title pr)')
    assert.equal(formatFilter(parseFilter('emails[ type eq "work" ]')), 'emails[type eq "work"]')
    assert.equal(
      formatFilter(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq 1')),
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq 1',
    )
    assert.equal(formatFilter(parseFilter('externalId eq jyoung')), 'externalId eq "jyoung"')
  })

  test('prints values as JSON', () => {
    assert.equal(formatValue('a"b\\c\n'), '"a\\"b\\\\c\\n"')
    assert.equal(formatValue(-0), '-0')
    assert.equal(formatValue(1e21), '1e+21')
    assert.equal(formatValue(true), 'true')
    assert.equal(formatValue(null), 'null')
  })

  test('adds parentheses only where grouping differs from the default', () => {
    const [a, b, c] = [present('a'), present('b'), present('c')]
    assert.equal(formatFilter({ kind: 'and', left: { kind: 'and', left: a, right: b }, right: c }), 'a pr and b pr and c pr')
    assert.equal(formatFilter({ kind: 'and', left: a, right: { kind: 'and', left: b, right: c } }), 'a pr and (b pr and c pr)')
    assert.equal(formatFilter({ kind: 'and', left: { kind: 'or', left: a, right: b }, right: c }), '(a pr or b pr) and c pr')
    assert.equal(formatFilter({ kind: 'or', left: a, right: { kind: 'and', left: b, right: c } }), 'a pr or b pr and c pr')
    assert.equal(formatFilter({ kind: 'or', left: a, right: { kind: 'or', left: b, right: c } }), 'a pr or (b pr or c pr)')
  })
})

const RESERVED = new Set(['and', 'or', 'not'])
const attrName = fc.oneof(
  { weight: 9, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/).filter((n) => !RESERVED.has(n.toLowerCase())) },
  { weight: 1, arbitrary: fc.constant('$ref') },
)
const uri = fc
  .array(fc.stringMatching(/^[A-Za-z0-9.-]{1,10}$/), { minLength: 1, maxLength: 5 })
  .map((segments) => `urn:${segments.join(':')}`)
const outerPath: fc.Arbitrary<AttrPath> = fc.record(
  { uri, name: attrName, subAttr: attrName },
  { requiredKeys: ['name'] },
)
const innerPath: fc.Arbitrary<AttrPath> = attrName.map((name) => ({ name }))
const operator = fc.constantFrom<CompareOperator>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le')
const value: fc.Arbitrary<CompareValue> = fc.oneof(
  // Text no store can hold (U+0000, lone surrogates) is refused by the parser, by design.
  fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => unstorableText(s) === undefined),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
)

/** Filters whose attribute expressions use `path`; value paths only when `valuePaths` is given. */
function filters(path: fc.Arbitrary<AttrPath>, valuePaths?: fc.Arbitrary<Filter>): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => {
    const leaves: fc.Arbitrary<Filter>[] = [
      fc.record({ kind: fc.constant('compare' as const), op: operator, path, value, position: fc.nat(100) }),
      fc.record({ kind: fc.constant('present' as const), path, position: fc.nat(100) }),
    ]
    if (valuePaths) leaves.push(valuePaths)
    return {
      filter: fc.oneof(
        { maxDepth: 5, depthSize: 'small' },
        ...leaves,
        fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('filter'), right: tie('filter') }),
        fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
      ),
    }
  }).filter
}

const valuePath: fc.Arbitrary<Filter> = fc.record({
  kind: fc.constant('valuePath' as const),
  path: fc.record({ uri, name: attrName }, { requiredKeys: ['name'] }),
  filter: filters(innerPath),
  position: fc.nat(100),
})

describe('formatFilter: properties', () => {
  test('parseFilter(formatFilter(ast)) is the same tree', () => {
    fc.assert(
      fc.property(filters(outerPath, valuePath), (ast) => {
        assert.deepEqual(stripPositions(parseFilter(formatFilter(ast))), stripPositions(ast))
      }),
      { numRuns: 3000 },
    )
  })

  test('formatting is stable: format(parse(format(ast))) equals format(ast)', () => {
    fc.assert(
      fc.property(filters(outerPath, valuePath), (ast) => {
        const text = formatFilter(ast)
        assert.equal(formatFilter(parseFilter(text)), text)
      }),
      { numRuns: 500 },
    )
  })
})

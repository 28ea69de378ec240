import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { isScimError } from '../errors.js'
import { parsePatchPath } from './parse-patch-path.js'

function stripPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripPositions)
  if (typeof node !== 'object' || node === null) return node
  return Object.fromEntries(
    Object.entries(node).filter(([k]) => k !== 'position').map(([k, v]) => [k, stripPositions(v)]),
  )
}

const shape = (text: string) => stripPositions(parsePatchPath(text))

const rejects = (text: string, detail: string) =>
  assert.throws(() => parsePatchPath(text), (e: unknown) => {
    assert.ok(isScimError(e))
    assert.equal(e.scimType, 'invalidPath')
    assert.equal(e.detail, detail)
    return true
  })

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

describe('parsePatchPath', () => {
  test('an attribute', () => {
    assert.deepEqual(parsePatchPath('displayName'), { attrPath: { name: 'displayName' } })
  })

  test('a sub-attribute', () => {
    assert.deepEqual(parsePatchPath('name.givenName'), { attrPath: { name: 'name', subAttr: 'givenName' } })
  })

  test('an extension attribute with a sub-attribute', () => {
    assert.deepEqual(parsePatchPath(`${ENTERPRISE}:manager.value`), {
      attrPath: { uri: ENTERPRISE, name: 'manager', subAttr: 'value' },
    })
  })

  test('a bare extension URN parses as uri + name for the caller to resolve', () => {
    assert.deepEqual(parsePatchPath(ENTERPRISE), {
      attrPath: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', name: 'User' },
    })
  })

  test('RFC 7644 §3.5.2.2: members[value eq "2819c223..."]', () => {
    assert.deepEqual(parsePatchPath('members[value eq "2819c223-7f76-453a-919d-413861904646"]'), {
      attrPath: { name: 'members' },
      valueFilter: {
        kind: 'compare', op: 'eq', path: { name: 'value' }, value: '2819c223-7f76-453a-919d-413861904646', position: 8,
      },
    })
  })

  test('RFC 7644 §3.5.2.3: emails[type eq "work"].value', () => {
    assert.deepEqual(shape('emails[type eq "work"].value'), {
      attrPath: { name: 'emails' },
      valueFilter: { kind: 'compare', op: 'eq', path: { name: 'type' }, value: 'work' },
      subAttr: 'value',
    })
  })

  test('RFC 7644 §3.5.2.1: addresses[type eq "work"].streetAddress with a compound filter', () => {
    assert.deepEqual(shape('addresses[type eq "work" and primary eq true].streetAddress'), {
      attrPath: { name: 'addresses' },
      valueFilter: {
        kind: 'and',
        left: { kind: 'compare', op: 'eq', path: { name: 'type' }, value: 'work' },
        right: { kind: 'compare', op: 'eq', path: { name: 'primary' }, value: true },
      },
      subAttr: 'streetAddress',
    })
  })

  test("Entra's samples: single quotes, \"True\" strings, unquoted ids", () => {
    assert.deepEqual(shape("emails[type eq 'work'].value"), shape('emails[type eq "work"].value'))
    assert.deepEqual(shape('roles[primary eq "True"].value'), {
      attrPath: { name: 'roles' },
      valueFilter: { kind: 'compare', op: 'eq', path: { name: 'primary' }, value: 'True' },
      subAttr: 'value',
    })
    assert.deepEqual(shape('members[value eq 2819c223-7f76]'), {
      attrPath: { name: 'members' },
      valueFilter: { kind: 'compare', op: 'eq', path: { name: 'value' }, value: '2819c223-7f76' },
    })
  })

  test('a URN-qualified value path', () => {
    assert.deepEqual(shape('urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].display'), {
      attrPath: { uri: 'urn:ietf:params:scim:schemas:core:2.0:User', name: 'emails' },
      valueFilter: { kind: 'compare', op: 'eq', path: { name: 'type' }, value: 'work' },
      subAttr: 'display',
    })
  })

  test('the result is frozen', () => {
    const path = parsePatchPath('emails[type eq "work"].value')
    assert.ok(Object.isFrozen(path))
    assert.ok(Object.isFrozen(path.attrPath))
    assert.ok(Object.isFrozen(path.valueFilter))
  })

  test('errors name the position', () => {
    rejects('', 'path: the path is empty')
    rejects('  ', 'path: the path is empty')
    rejects('1name', "path: expected an attribute path at position 0, found '1name'")
    rejects('[type eq "work"]', "path: expected an attribute path at position 0, found '['")
    rejects('emails[type eq "work"', "path: expected ']' at position 21, found end of path")
    rejects('emails[type equals "work"]', "path: expected a comparison operator at position 12, found 'equals'")
    rejects('emails[type eq "work"] .value', "path: expected '.' and a sub-attribute name or end of path after ']' at position 23, found '.value'")
    rejects('emails[type eq "work"]value', "path: expected '.' and a sub-attribute name or end of path after ']' at position 22, found 'value'")
    rejects('emails[type eq "work"].', "path: expected a sub-attribute name at position 23, found '.'")
    rejects('emails[type eq "work"].value.x', "path: expected a sub-attribute name at position 23, found '.value.x'")
    rejects('emails[type eq "work"].value eq', "path: expected end of path at position 29, found 'eq'")
    rejects('name.givenName[value eq "x"]', "path: a value filter cannot follow the sub-attribute 'name.givenName' at position 14")
    rejects('emails[type[value eq "x"]]', 'path: nested value paths are not allowed at position 11')
    rejects('emails eq "x"', "path: expected '[' or end of path at position 7, found 'eq'")
    rejects('userName eq "x', "path: unterminated string starting at position 12")
    rejects('emails[]', "path: expected an attribute path, '(' or 'not' at position 7, found ']'")
    rejects(`x[${'a'.repeat(10_000)} pr]`, 'path: longer than 10000 characters')
  })

  test('arbitrary text only ever throws invalidPath', () => {
    const token = fc.constantFrom(
      'emails', '[', ']', '.', '.value', 'type', 'eq', '"work"', '"', 'and', 'not', '(', ')', 'pr', ' ', 'urn:x:y:',
    )
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.array(token, { maxLength: 20 }).map((parts) => parts.join('')),
    )
    fc.assert(
      fc.property(text, (t) => {
        try {
          parsePatchPath(t)
        } catch (e) {
          if (!isScimError(e) || e.scimType !== 'invalidPath') throw e
        }
      }),
      { numRuns: 3000 },
    )
  })
})

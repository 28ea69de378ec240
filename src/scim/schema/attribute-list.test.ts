import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isScimError } from '../errors.js'
import { parseAttributeList } from './attribute-list.js'

describe('parseAttributeList (RFC 7644 §3.4.2.5)', () => {
  test('absent or empty means not given', () => {
    assert.equal(parseAttributeList(undefined, 'attributes'), undefined)
    assert.equal(parseAttributeList('', 'attributes'), undefined)
    assert.equal(parseAttributeList(' , ', 'excludedAttributes'), undefined)
  })

  test('comma-separated paths, whitespace around commas allowed', () => {
    assert.deepEqual(parseAttributeList('userName, name.givenName ,emails.value,', 'attributes'), [
      { name: 'userName' },
      { name: 'name', subAttr: 'givenName' },
      { name: 'emails', subAttr: 'value' },
    ])
  })

  test('URN-qualified names and whole extensions', () => {
    assert.deepEqual(
      parseAttributeList(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        'attributes',
      ),
      [
        {
          uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
          name: 'manager',
          subAttr: 'value',
        },
        { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', name: 'User' },
      ],
    )
  })

  test('Entra ID: excludedAttributes=members', () => {
    assert.deepEqual(parseAttributeList('members', 'excludedAttributes'), [{ name: 'members' }])
  })

  test('value paths, as Microsoft\'s SCIM test collection sends them; commas inside them do not split', () => {
    const [first, second, third] = parseAttributeList(
      'emails[type eq "work"], emails[value co ","].display,userName',
      'excludedAttributes',
    )!
    assert.deepEqual({ ...first, valueFilter: first?.valueFilter?.kind }, { name: 'emails', valueFilter: 'compare' })
    assert.deepEqual({ ...second, valueFilter: undefined }, { name: 'emails', subAttr: 'display', valueFilter: undefined })
    assert.equal((second?.valueFilter as { value?: unknown }).value, ',')
    assert.deepEqual(third, { name: 'userName' })
    assert.throws(
      () => parseAttributeList('emails[type eq "work"', 'attributes'),
      (e: unknown) =>
        isScimError(e) &&
        e.scimType === 'invalidValue' &&
        e.detail === `attributes: 'emails[type eq "work"' is not an attribute path or value path (path: expected ']' at position 21, found end of path)`,
    )
  })

  test('a malformed item is a 400 invalidValue naming it', () => {
    for (const [text, parameter, item] of [
      ['userName,x y', 'attributes', 'x y'],
      ['1abc', 'attributes', '1abc'],
    ] as const) {
      assert.throws(
        () => parseAttributeList(text, parameter),
        (e: unknown) =>
          isScimError(e) &&
          e.status === 400 &&
          e.scimType === 'invalidValue' &&
          e.detail === `${parameter}: '${item}' is not an attribute path`,
      )
    }
  })
})

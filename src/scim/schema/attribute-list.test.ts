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

  test('a malformed item is a 400 invalidValue naming it', () => {
    for (const [text, parameter, item] of [
      ['userName,x y', 'attributes', 'x y'],
      ['emails[type eq "work"]', 'excludedAttributes', 'emails[type eq "work"]'],
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

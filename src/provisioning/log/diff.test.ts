import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { documentChanges, MASK, MAX_LISTED_MEMBERS, memberChange } from './diff.js'

const EXT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

describe('provisioning log diff', () => {
  test('attribute by attribute: sub-attributes of complex ones, multi-valued ones whole, key order ignored', () => {
    const before = {
      schemas: ['a'],
      userName: 'ada',
      name: { givenName: 'Ada', familyName: 'Byron' },
      emails: [{ value: 'a@x', primary: true }],
      [EXT]: { employeeNumber: '1', manager: { value: 'm1' } },
    }
    const after = {
      schemas: ['a', EXT],
      userName: 'ada',
      name: { familyName: 'Lovelace', givenName: 'Ada' },
      emails: [{ primary: true, value: 'a@x' }, { value: 'b@x' }],
      [EXT]: { employeeNumber: '1', manager: { value: 'm2' } },
      title: 'Countess',
    }
    assert.deepEqual(documentChanges(before, after), [
      { attribute: 'emails', before: [{ value: 'a@x', primary: true }], after: [{ primary: true, value: 'a@x' }, { value: 'b@x' }] },
      { attribute: 'name.familyName', before: 'Byron', after: 'Lovelace' },
      { attribute: 'title', after: 'Countess' },
      { attribute: `${EXT}:manager`, before: { value: 'm1' }, after: { value: 'm2' } },
    ])
  })

  test('create and delete list every attribute on one side', () => {
    assert.deepEqual(documentChanges(undefined, { userName: 'x', name: { givenName: 'X' } }), [
      { attribute: 'name.givenName', after: 'X' },
      { attribute: 'userName', after: 'x' },
    ])
    assert.deepEqual(documentChanges({ userName: 'x', active: true }, undefined), [
      { attribute: 'active', before: true },
      { attribute: 'userName', before: 'x' },
    ])
  })

  test('a password is masked on both sides, and listed only when it changed', () => {
    assert.deepEqual(documentChanges({ password: 'h1' }, { password: 'h2' }), [{ attribute: 'password', before: MASK, after: MASK }])
    assert.deepEqual(documentChanges({ password: 'h1' }, { password: 'h1' }), [])
    assert.deepEqual(documentChanges(undefined, { password: 'h1' }), [{ attribute: 'password', after: MASK }])
    assert.deepEqual(documentChanges({ password: 'h1' }, {}), [{ attribute: 'password', before: MASK }])
  })

  test('members: ids added and removed, lists cut with counts', () => {
    assert.equal(memberChange({ added: [], removed: [], cleared: false }), undefined)
    assert.deepEqual(memberChange({ added: ['a', 'a'], removed: ['b'], cleared: false }), { attribute: 'members', added: ['a'], removed: ['b'] })
    assert.deepEqual(memberChange({ added: [], removed: [], cleared: true }), { attribute: 'members', cleared: true })
    const many = Array.from({ length: MAX_LISTED_MEMBERS + 5 }, (_, i) => `u${i}`)
    const change = memberChange({ added: many, removed: [], cleared: false })!
    assert.equal(change.added!.length, MAX_LISTED_MEMBERS)
    assert.equal(change.addedCount, MAX_LISTED_MEMBERS + 5)
  })
})

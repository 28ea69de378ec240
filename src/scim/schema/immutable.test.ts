import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isScimError } from '../errors.js'
import { attribute } from './attribute.js'
import { checkImmutable, sameValue } from './immutable.js'
import { ResourceSchema } from './resource-schema.js'
import { defaultRegistry } from './resource-types.js'

const EXT = 'urn:example:schemas:extension:badge:1.0:User'

const schema = new ResourceSchema({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User',
  schema: {
    id: 'urn:ietf:params:scim:schemas:core:2.0:User',
    name: 'User',
    description: 'User',
    attributes: [
      attribute('userName', 'string', 'u', { required: true }),
      attribute('employeeId', 'string', 'e', { mutability: 'immutable', caseExact: true }),
      attribute('hired', 'dateTime', 'h', { mutability: 'immutable' }),
      attribute('aliases', 'string', 'a', { mutability: 'immutable', multiValued: true }),
      attribute('origin', 'complex', 'o', {
        subAttributes: [
          attribute('system', 'string', 's', { mutability: 'immutable' }),
          attribute('note', 'string', 'n'),
        ],
      }),
    ],
  },
  extensions: [
    {
      required: false,
      schema: {
        id: EXT,
        name: 'Badge',
        description: 'Badge',
        attributes: [attribute('badge', 'string', 'b', { mutability: 'immutable' })],
      },
    },
  ],
})

function rejectsMutability(fn: () => void, name: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isScimError(e))
    assert.equal(e.status, 400)
    assert.equal(e.scimType, 'mutability')
    assert.equal(
      e.detail,
      `${name}: the attribute is immutable and already has a value; a replacement must keep it unchanged`,
    )
    return true
  })
}

describe('checkImmutable (RFC 7644 §3.5.1)', () => {
  const existing = {
    userName: 'a',
    employeeId: 'E1',
    hired: '2020-01-01T00:00:00Z',
    aliases: ['x', 'y'],
    origin: { system: 'HR', note: 'n' },
    [EXT]: { badge: 'B7' },
  }

  test('an unchanged replacement passes; mutable attributes may change', () => {
    checkImmutable(schema, existing, { ...existing, userName: 'b', origin: { system: 'HR', note: 'other' } })
  })

  test('a changed immutable value is refused, naming the attribute', () => {
    rejectsMutability(() => checkImmutable(schema, existing, { ...existing, employeeId: 'E2' }), 'employeeId')
    rejectsMutability(
      () => checkImmutable(schema, existing, { ...existing, origin: { system: 'CRM' } }),
      'origin.system',
    )
    rejectsMutability(
      () => checkImmutable(schema, existing, { ...existing, [EXT]: { badge: 'B8' } }),
      `${EXT}:badge`,
    )
    rejectsMutability(() => checkImmutable(schema, existing, { ...existing, aliases: ['x'] }), 'aliases')
  })

  test('removing an immutable value is a change', () => {
    const { employeeId: _e, ...without } = existing
    rejectsMutability(() => checkImmutable(schema, existing, without), 'employeeId')
  })

  test('an attribute without a value may be set', () => {
    checkImmutable(schema, { userName: 'a' }, existing)
    checkImmutable(schema, { userName: 'a', employeeId: '', aliases: [] }, existing)
  })

  test('equality follows caseExact, order-free lists, and instants for dateTime', () => {
    rejectsMutability(() => checkImmutable(schema, existing, { ...existing, employeeId: 'e1' }), 'employeeId')
    checkImmutable(schema, existing, {
      ...existing,
      aliases: ['Y', 'X'],
      hired: '2020-01-01T01:00:00+01:00',
      [EXT]: { badge: 'b7' },
    })
  })

  test('the default schemas have no immutable top-level attribute; members items are not compared', () => {
    const Group = defaultRegistry().require('Group')
    checkImmutable(
      Group,
      { displayName: 'g', members: [{ value: '1' }] },
      { displayName: 'h', members: [{ value: '2' }] },
    )
  })
})

describe('sameValue', () => {
  test('complex values compare sub-attribute by sub-attribute', () => {
    const origin = schema.attribute('origin')!.attribute
    assert.ok(sameValue(origin, { system: 'HR' }, { system: 'hr', note: null }))
    assert.ok(!sameValue(origin, { system: 'HR' }, { system: 'HR', note: 'x' }))
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SCHEMA_URNS } from '../schema/attribute.js'
import { coreUserSchema } from '../schema/definitions/core-user.js'
import { enterpriseUserSchema } from '../schema/definitions/enterprise-user.js'
import { defaultRegistry } from '../schema/resource-types.js'
import { schemaDefinitions, schemaResource } from './schema-resource.js'

type Attr = Record<string, unknown> & { subAttributes?: Attr[] }

const CHARACTERISTICS = [
  'name',
  'type',
  'multiValued',
  'description',
  'required',
  'caseExact',
  'mutability',
  'returned',
  'uniqueness',
]

describe('schemaResource (RFC 7643 §7)', () => {
  const user = schemaResource(coreUserSchema, 'https://example.com/v2')

  test('id, name, description, meta', () => {
    assert.deepEqual(user.schemas, [SCHEMA_URNS.schema])
    assert.equal(user.id, 'urn:ietf:params:scim:schemas:core:2.0:User')
    assert.equal(user.name, 'User')
    assert.equal(user.description, 'User Account')
    assert.deepEqual(user.meta, {
      resourceType: 'Schema',
      location: 'https://example.com/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User',
    })
  })

  test('every attribute and sub-attribute carries every characteristic', () => {
    const check = (a: Attr) => {
      for (const c of CHARACTERISTICS) assert.ok(c in a, `${String(a.name)} lacks ${c}`)
      assert.equal(a.type === 'complex', 'subAttributes' in a, String(a.name))
      for (const s of a.subAttributes ?? []) check(s)
    }
    for (const a of user.attributes as Attr[]) check(a)
  })

  test('RFC 7643 §8.7.1 characteristics of userName, groups and emails.type', () => {
    const attrs = user.attributes as Attr[]
    const { description: _d, ...userName } = attrs.find((a) => a.name === 'userName')!
    assert.deepEqual(userName, {
      name: 'userName',
      type: 'string',
      multiValued: false,
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'server',
    })
    const groups = attrs.find((a) => a.name === 'groups')!
    assert.equal(groups.mutability, 'readOnly')
    assert.deepEqual(
      groups.subAttributes!.map((s) => [s.name, s.mutability, s.referenceTypes ?? s.canonicalValues ?? null]),
      [
        ['value', 'readOnly', null],
        ['$ref', 'readOnly', ['User', 'Group']],
        ['display', 'readOnly', null],
        ['type', 'readOnly', ['direct', 'indirect']],
      ],
    )
    const emailType = attrs.find((a) => a.name === 'emails')!.subAttributes!.find((s) => s.name === 'type')!
    assert.deepEqual(emailType.canonicalValues, ['work', 'home', 'other'])
    const password = attrs.find((a) => a.name === 'password')!
    assert.equal(password.mutability, 'writeOnly')
    assert.equal(password.returned, 'never')
  })

  test('common attributes are not listed', () => {
    const names = (user.attributes as Attr[]).map((a) => a.name)
    for (const common of ['id', 'externalId', 'meta']) assert.equal(names.includes(common), false)
  })

  test('generated from the definitions, and plain JSON', () => {
    const ext = schemaResource(enterpriseUserSchema, 'https://example.com/v2/')
    assert.equal(
      ext.meta && (ext.meta as { location: string }).location,
      `https://example.com/v2/Schemas/${SCHEMA_URNS.enterpriseUser}`,
    )
    assert.deepEqual(
      (ext.attributes as Attr[]).map((a) => a.name),
      enterpriseUserSchema.attributes.map((a) => a.name),
    )
    assert.deepEqual(JSON.parse(JSON.stringify(user)), user)
  })
})

describe('schemaDefinitions', () => {
  test('every schema of every resource type, once', () => {
    assert.deepEqual(
      schemaDefinitions(defaultRegistry()).map((s) => s.id),
      [SCHEMA_URNS.user, SCHEMA_URNS.enterpriseUser, SCHEMA_URNS.group],
    )
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { AttrPath } from '../filter/ast.js'
import { parseAttrPath } from '../path/attr-path.js'
import { attribute, SCHEMA_URNS } from './attribute.js'
import { commonAttributes } from './definitions/common.js'
import { compileProjection, project } from './project.js'
import { ResourceSchema } from './resource-schema.js'
import { defaultRegistry } from './resource-types.js'

const registry = defaultRegistry()
const User = registry.require('User')
const Group = registry.require('Group')
const ENTERPRISE = SCHEMA_URNS.enterpriseUser

const paths = (...texts: string[]): AttrPath[] => texts.map((t) => parseAttrPath(t)!)

/** A User as the read path builds it: stored document plus id, meta and groups. */
const bjensen = (): Record<string, unknown> => ({
  schemas: [SCHEMA_URNS.user, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: '701984',
  userName: 'bjensen',
  name: { formatted: 'Ms. Barbara J Jensen, III', familyName: 'Jensen', givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  active: true,
  password: 't1meMa$heen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
    { type: 'other' },
  ],
  groups: [
    { value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', $ref: '../Groups/e9e30dba', display: 'Tour Guides' },
  ],
  [ENTERPRISE]: {
    employeeNumber: '701984',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff591"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
})

describe('project: no request (RFC 7643 §2.2 returned)', () => {
  test('returns default and always attributes, never password', () => {
    const resource = bjensen()
    const { password: _password, ...expected } = resource
    assert.deepEqual(project(User, resource, {}), expected)
  })

  test('kept values are shared with the input, not cloned', () => {
    const resource = bjensen()
    const out = compileProjection(User)(resource)
    assert.equal(out.emails, resource.emails)
    assert.equal(out[ENTERPRISE], resource[ENTERPRISE])
  })

  test('keys in another case come out canonical', () => {
    assert.deepEqual(project(User, { ID: '1', USERNAME: 'u', Password: 'p' }), { id: '1', userName: 'u' })
  })

  test('keys no schema defines are left out', () => {
    assert.deepEqual(project(User, { id: '1', userName: 'u', internalSecret: 'x' }), {
      id: '1',
      userName: 'u',
    })
  })
})

describe('project: attributes (RFC 7644 §3.4.2.5, §3.9)', () => {
  test('RFC 7644 §3.9: ?attributes=userName', () => {
    const out = project(User, bjensen(), { attributes: paths('userName') })
    assert.deepEqual(out, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      id: '2819c223-7f76-453a-919d-413861904646',
      userName: 'bjensen',
    })
  })

  test('sub-attributes: name.givenName, emails.value', () => {
    const out = project(User, bjensen(), { attributes: paths('name.givenName', 'emails.value') })
    assert.deepEqual(out.name, { givenName: 'Barbara' })
    assert.deepEqual(out.emails, [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }])
  })

  test('a whole attribute wins over one of its sub-attributes', () => {
    const out = project(User, bjensen(), { attributes: paths('name.givenName', 'name') })
    assert.deepEqual(out.name, bjensen().name)
  })

  test('names are case-insensitive and may be URN-qualified', () => {
    const out = project(User, bjensen(), {
      attributes: paths(
        'USERNAME',
        'urn:ietf:params:scim:schemas:core:2.0:User:displayName',
        `${ENTERPRISE}:employeeNumber`,
      ),
    })
    assert.deepEqual(out, {
      schemas: [SCHEMA_URNS.user, ENTERPRISE],
      id: '2819c223-7f76-453a-919d-413861904646',
      userName: 'bjensen',
      displayName: 'Babs Jensen',
      [ENTERPRISE]: { employeeNumber: '701984' },
    })
  })

  test('a whole extension by its URN, and an extension sub-attribute', () => {
    assert.deepEqual(
      project(User, bjensen(), { attributes: paths(ENTERPRISE) })[ENTERPRISE],
      bjensen()[ENTERPRISE],
    )
    assert.deepEqual(
      project(User, bjensen(), { attributes: paths(`${ENTERPRISE}:manager.value`) })[ENTERPRISE],
      {
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' },
      },
    )
  })

  test('an extension with nothing selected is left out', () => {
    const out = project(User, bjensen(), { attributes: paths(`${ENTERPRISE}:costCenter`) })
    assert.equal(ENTERPRISE in out, false)
  })

  test('common attributes: externalId, meta sub-attributes', () => {
    const out = project(User, bjensen(), { attributes: paths('externalId', 'meta.created') })
    assert.deepEqual(out, {
      schemas: [SCHEMA_URNS.user, ENTERPRISE],
      id: '2819c223-7f76-453a-919d-413861904646',
      externalId: '701984',
      meta: { created: '2010-01-23T04:56:22Z' },
    })
  })

  test('password is never returned, even when asked for', () => {
    assert.equal('password' in project(User, bjensen(), { attributes: paths('password') }), false)
  })

  test('unknown names are ignored', () => {
    const out = project(User, bjensen(), {
      attributes: paths('shoeSize', 'name.shoeSize', 'urn:example:x:1.0:User:y'),
    })
    assert.deepEqual(out, {
      schemas: [SCHEMA_URNS.user, ENTERPRISE],
      id: '2819c223-7f76-453a-919d-413861904646',
    })
  })
})

describe('project: excludedAttributes', () => {
  const tourGuides = {
    schemas: [SCHEMA_URNS.group],
    id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
    displayName: 'Tour Guides',
    members: [{ value: '2819c223', $ref: 'https://example.com/v2/Users/2819c223', display: 'Babs Jensen' }],
    meta: { resourceType: 'Group' },
  }

  test("Entra ID's excludedAttributes=members", () => {
    const { members: _members, ...expected } = tourGuides
    assert.deepEqual(project(Group, tourGuides, { excludedAttributes: paths('members') }), expected)
  })

  test('always attributes cannot be excluded', () => {
    const out = project(Group, tourGuides, { excludedAttributes: paths('id', 'displayName') })
    assert.equal(out.id, tourGuides.id)
    assert.equal('displayName' in out, false)
  })

  test('sub-attributes, extension attributes, whole extensions', () => {
    const out = project(User, bjensen(), {
      excludedAttributes: paths('name.givenName', 'emails.primary', `${ENTERPRISE}:manager`),
    })
    assert.deepEqual(out.name, { formatted: 'Ms. Barbara J Jensen, III', familyName: 'Jensen' })
    assert.deepEqual(out.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
      { type: 'other' },
    ])
    assert.deepEqual(out[ENTERPRISE], { employeeNumber: '701984', department: 'Tour Operations' })
    assert.equal(ENTERPRISE in project(User, bjensen(), { excludedAttributes: paths(ENTERPRISE) }), false)
  })
})

describe('project: returned request and never (synthetic schema)', () => {
  const schema = new ResourceSchema({
    id: 'Device',
    name: 'Device',
    endpoint: '/Devices',
    description: 'Device',
    schema: {
      id: 'urn:example:schemas:Device',
      name: 'Device',
      description: 'Device',
      attributes: [
        attribute('label', 'string', 'label'),
        attribute('secret', 'string', 'secret', { returned: 'request' }),
        attribute('keys', 'complex', 'keys', {
          multiValued: true,
          subAttributes: [
            attribute('value', 'string', 'v'),
            attribute('kid', 'string', 'k', { returned: 'always' }),
            attribute('material', 'string', 'm', { returned: 'request' }),
            attribute('seed', 'string', 's', { returned: 'never' }),
          ],
        }),
      ],
    },
    extensions: [],
  })
  const device = {
    id: 'd',
    label: 'L',
    secret: 'S',
    keys: [{ value: 'v', kid: 'k', material: 'm', seed: 's' }],
  }

  test('request attributes only when named', () => {
    assert.deepEqual(project(schema, device), { id: 'd', label: 'L', keys: [{ value: 'v', kid: 'k' }] })
    assert.deepEqual(project(schema, device, { attributes: paths('secret') }), { id: 'd', secret: 'S' })
    assert.deepEqual(project(schema, device, { excludedAttributes: paths('label') }), {
      id: 'd',
      keys: [{ value: 'v', kid: 'k' }],
    })
  })

  test('sub-attributes: always kept, request when named, never never', () => {
    assert.deepEqual(project(schema, device, { attributes: paths('keys.material', 'keys.seed') }), {
      id: 'd',
      keys: [{ kid: 'k', material: 'm' }],
    })
    assert.deepEqual(project(schema, device, { attributes: paths('keys') }), {
      id: 'd',
      keys: [{ value: 'v', kid: 'k' }],
    })
    assert.deepEqual(project(schema, device, { excludedAttributes: paths('keys.kid', 'keys.value') }), {
      id: 'd',
      label: 'L',
      keys: [{ kid: 'k' }],
    })
  })
})

describe('project: properties', () => {
  const names = [
    ...commonAttributes.map((a) => a.name),
    ...User.coreSchema.attributes.flatMap((a) => [
      a.name,
      ...(a.subAttributes ?? []).map((s) => `${a.name}.${s.name}`),
    ]),
    ENTERPRISE,
    `${ENTERPRISE}:manager.value`,
    `${ENTERPRISE}:employeeNumber`,
    'nothing',
  ]
  const pathList = fc.option(
    fc.subarray(names).map((list) => paths(...list)),
    { nil: undefined },
  )
  const randomCase = fc.constantFrom(
    (s: string) => s,
    (s: string) => s.toUpperCase(),
    (s: string) => s.toLowerCase(),
  )

  test('never outputs password, whatever the request', () => {
    fc.assert(
      fc.property(pathList, pathList, randomCase, (attributes, excludedAttributes, recase) => {
        const resource = Object.fromEntries(
          Object.entries(bjensen()).map(([k, v]) => [k.startsWith('urn:') ? k : recase(k), v]),
        )
        const out = compileProjection(User, { attributes, excludedAttributes })(resource)
        assert.equal(
          Object.keys(out).some((k) => k.toLowerCase() === 'password'),
          false,
        )
        assert.equal(out.id, '2819c223-7f76-453a-919d-413861904646')
        assert.deepEqual(out.schemas, bjensen().schemas)
      }),
    )
  })

  test('without a request returns exactly the default and always attributes present', () => {
    const returnable = new Set(
      [...commonAttributes, ...User.coreSchema.attributes]
        .filter((a) => a.returned === 'default' || a.returned === 'always')
        .map((a) => a.name),
    )
    const all = [...commonAttributes, ...User.coreSchema.attributes].map((a) => a.name)
    fc.assert(
      fc.property(fc.subarray(all), (present) => {
        const resource: Record<string, unknown> = { schemas: [SCHEMA_URNS.user] }
        for (const name of present) resource[name] = `value of ${name}`
        const out = project(User, resource)
        assert.deepEqual(
          Object.keys(out).sort(),
          ['schemas', ...present.filter((n) => returnable.has(n))].sort(),
        )
      }),
    )
  })

  test('attributes only ever narrows the default projection', () => {
    fc.assert(
      fc.property(pathList, (attributes) => {
        const full = project(User, bjensen())
        const out = project(User, bjensen(), { attributes })
        for (const key of Object.keys(out)) assert.ok(key in full, key)
      }),
    )
  })
})

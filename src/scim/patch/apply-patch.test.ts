import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { attribute } from '../schema/attribute.js'
import { coreUserSchema } from '../schema/definitions/core-user.js'
import { ResourceSchema } from '../schema/resource-schema.js'
import { defaultRegistry, userResourceType } from '../schema/resource-types.js'
import { applyPatch } from './apply-patch.js'
import { parsePatchOp } from './patch-op.js'

const registry = defaultRegistry()
const User = registry.require('User')
const Group = registry.require('Group')

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const BABS = '2819c223-7f76-453a-919d-413861904646'
const JAMES = '08e1d05d-121c-4561-8b96-473d93df9210'

type Doc = Record<string, unknown>
const patch = (schema: ResourceSchema, doc: Doc, body: unknown): Doc => applyPatch(schema, doc, parsePatchOp(body))
const ops = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations })
const patchUser = (doc: Doc, ...operations: unknown[]) => patch(User, doc, ops(...operations))

const bjensen = (): Doc => ({
  schemas: [USER],
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs Jensen',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA' }],
})

const tourGuides = (...ids: string[]): Doc => ({
  schemas: [GROUP],
  displayName: 'Tour Guides',
  ...(ids.length > 0 && { members: ids.map((value) => ({ value, type: 'User' })) }),
})

describe('RFC 7644 §3.5.2.1 Add Operation: the RFC examples', () => {
  test('adds a member to a group (derived display and $ref are not stored)', () => {
    const result = patch(Group, tourGuides(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: [
            {
              display: 'Babs Jensen',
              $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
              value: '2819c223-7f76-453a-919d-413861904646',
            },
          ],
        },
      ],
    })
    assert.deepEqual(result.members, [{ value: BABS }])
  })

  test('adds attributes without a path', () => {
    const result = patch(User, bjensen(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'add',
          value: {
            emails: [
              {
                value: 'babs@jensen.org',
                type: 'home',
              },
              {
                value: 'babs@example.net',
                type: 'other',
              },
            ],
            nickname: 'Babs',
          },
        },
      ],
    })
    assert.equal(result.nickName, 'Babs')
    assert.equal(result.nickname, undefined)
    assert.deepEqual(result.emails, [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'babs@example.net', type: 'other' },
    ])
  })
})

describe('RFC 7644 §3.5.2.2 Remove Operation: the RFC examples', () => {
  test('removes one member by filter', () => {
    const result = patch(Group, tourGuides(BABS, JAMES), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'remove',
          path: 'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
        },
      ],
    })
    assert.deepEqual(result.members, [{ value: JAMES, type: 'User' }])
  })

  test('removes all members', () => {
    const result = patch(Group, tourGuides(BABS, JAMES), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: 'members' }],
    })
    assert.equal('members' in result, false)
    assert.equal(result.displayName, 'Tour Guides')
  })

  test('removes the values a compound filter selects', () => {
    const doc = bjensen()
    doc.emails = [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@example.org', type: 'work' },
      { value: 'babs@example.com', type: 'home' },
    ]
    const result = patch(User, doc, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }],
    })
    assert.deepEqual(result.emails, [
      { value: 'babs@example.org', type: 'work' },
      { value: 'babs@example.com', type: 'home' },
    ])
  })

  test('replaces all members with remove then add', () => {
    const result = patch(Group, tourGuides('6784'), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'remove',
          path: 'members',
        },
        {
          op: 'add',
          path: 'members',
          value: [
            {
              display: 'Babs Jensen',
              $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
              value: '2819c223-7f76-453a-919d-413861904646',
            },
            {
              display: 'James Smith',
              $ref: 'https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210',
              value: '08e1d05d-121c-4561-8b96-473d93df9210',
            },
          ],
        },
      ],
    })
    assert.deepEqual(result.members, [{ value: BABS }, { value: JAMES }])
  })
})

describe('RFC 7644 §3.5.2.3 Replace Operation: the RFC examples', () => {
  test('replaces all members', () => {
    const result = patch(Group, tourGuides('6784'), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          path: 'members',
          value: [
            {
              display: 'Babs Jensen',
              $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
              value: '2819c223-7f76-453a-919d-413861904646',
            },
            {
              display: 'James Smith',
              $ref: 'https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210',
              value: '08e1d05d-121c-4561-8b96-473d93df9210',
            },
          ],
        },
      ],
    })
    assert.deepEqual(result.members, [{ value: BABS }, { value: JAMES }])
  })

  test('replaces the work address', () => {
    const result = patch(User, bjensen(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          path: 'addresses[type eq "work"]',
          value: {
            type: 'work',
            streetAddress: '911 Universal City Plaza',
            locality: 'Hollywood',
            region: 'CA',
            postalCode: '91608',
            country: 'US',
            formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
            primary: true,
          },
        },
      ],
    })
    assert.deepEqual(result.addresses, [
      {
        type: 'work',
        streetAddress: '911 Universal City Plaza',
        locality: 'Hollywood',
        region: 'CA',
        postalCode: '91608',
        country: 'US',
        formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
        primary: true,
      },
    ])
  })

  test('replaces one sub-attribute of the work address', () => {
    const result = patch(User, bjensen(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          path: 'addresses[type eq "work"].streetAddress',
          value: '1010 Broadway Ave',
        },
      ],
    })
    assert.deepEqual(result.addresses, [
      { type: 'work', streetAddress: '1010 Broadway Ave', locality: 'Hollywood', region: 'CA' },
    ])
  })

  test('replaces attributes without a path', () => {
    const result = patch(User, bjensen(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          value: {
            emails: [
              {
                value: 'bjensen@example.com',
                type: 'work',
                primary: true,
              },
              {
                value: 'babs@jensen.org',
                type: 'home',
              },
            ],
            nickname: 'Babs',
          },
        },
      ],
    })
    assert.deepEqual(result.emails, [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ])
    assert.equal(result.nickName, 'Babs')
  })

  test("the §3.5.2 path example 'members[...].displayName' names no sub-attribute of members", () => {
    assert.throws(
      () =>
        patch(Group, tourGuides(BABS), ops({ op: 'replace', path: `members[value eq "${BABS}"].displayName`, value: 'x' })),
      { status: 400, scimType: 'invalidPath', detail: /'members' has no sub-attribute 'displayName'/ },
    )
  })
})

describe('add', () => {
  test('a simple attribute is set, replacing a value already there', () => {
    assert.equal(patchUser(bjensen(), { op: 'add', path: 'displayName', value: 'B' }).displayName, 'B')
    assert.equal(patchUser(bjensen(), { op: 'add', path: 'nickName', value: 'Babs' }).nickName, 'Babs')
  })

  test('a complex attribute merges the sub-attributes given', () => {
    const result = patchUser(bjensen(), { op: 'add', path: 'name', value: { middleName: 'Jane', givenname: 'Barb' } })
    assert.deepEqual(result.name, { givenName: 'Barb', familyName: 'Jensen', middleName: 'Jane' })
  })

  test('a sub-attribute path sets it', () => {
    assert.deepEqual(patchUser(bjensen(), { op: 'add', path: 'name.honorificPrefix', value: 'Ms.' }).name, {
      givenName: 'Barbara',
      familyName: 'Jensen',
      honorificPrefix: 'Ms.',
    })
    const bare = patchUser({ schemas: [USER], userName: 'x' }, { op: 'add', path: 'NAME.GIVENNAME', value: 'X' })
    assert.deepEqual(bare.name, { givenName: 'X' })
  })

  test('a multi-valued attribute gets the new values appended, exact duplicates skipped', () => {
    const result = patchUser(bjensen(), {
      op: 'add',
      path: 'emails',
      value: [
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'b@example.net', type: 'other' },
        { value: 'b@example.net', type: 'other' },
      ],
    })
    assert.deepEqual(result.emails, [...(bjensen().emails as unknown[]), { value: 'b@example.net', type: 'other' }])
  })

  test('a single value for a multi-valued attribute is one more value', () => {
    const result = patchUser(bjensen(), { op: 'add', path: 'roles', value: { value: 'admin' } })
    assert.deepEqual(result.roles, [{ value: 'admin' }])
  })

  test('a value filter sets the sub-attribute on every match', () => {
    const doc = bjensen()
    doc.phoneNumbers = [
      { value: '1', type: 'work' },
      { value: '2', type: 'work' },
      { value: '3', type: 'home' },
    ]
    const result = patchUser(doc, { op: 'add', path: 'phoneNumbers[type eq "work"].display', value: 'office' })
    assert.deepEqual(result.phoneNumbers, [
      { value: '1', type: 'work', display: 'office' },
      { value: '2', type: 'work', display: 'office' },
      { value: '3', type: 'home' },
    ])
  })

  test('a value filter that matches nothing creates the element it describes (Entra)', () => {
    const result = patchUser(
      { schemas: [USER], userName: 'x' },
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'x@example.com' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile" and primary eq true].value', value: '+1 555' },
    )
    assert.deepEqual(result.emails, [{ type: 'work', value: 'x@example.com' }])
    assert.deepEqual(result.phoneNumbers, [{ type: 'mobile', primary: true, value: '+1 555' }])
  })

  test('without a path: dotted, URN-qualified and whole-extension keys', () => {
    const result = patchUser(bjensen(), {
      op: 'add',
      value: {
        'name.middleName': 'J',
        [`${ENTERPRISE}:employeeNumber`]: '701984',
        [ENTERPRISE]: { department: 'Tour Operations', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
        [`${USER}:title`]: 'Tour Guide',
      },
    })
    assert.equal((result.name as Doc).middleName, 'J')
    assert.equal(result.title, 'Tour Guide')
    assert.deepEqual(result[ENTERPRISE], {
      employeeNumber: '701984',
      department: 'Tour Operations',
      manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' },
    })
    assert.deepEqual(result.schemas, [USER, ENTERPRISE])
  })

  test('an extension attribute lists the extension in schemas, in its canonical case', () => {
    const result = patchUser(bjensen(), {
      op: 'add',
      path: 'urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User:costCenter',
      value: '4130',
    })
    assert.deepEqual(result[ENTERPRISE], { costCenter: '4130' })
    assert.deepEqual(result.schemas, [USER, ENTERPRISE])
    const noSchemas = patchUser({ userName: 'x' }, { op: 'add', path: `${ENTERPRISE}:division`, value: 'D' })
    assert.deepEqual(noSchemas.schemas, [USER, ENTERPRISE])
  })

  test('a path-less value may use filter paths and core-URN-qualified names as keys', () => {
    const result = patchUser(bjensen(), {
      op: 'add',
      value: {
        'emails[type eq "other"].value': 'o@example.com',
        [`${USER}:name.givenName`]: 'Babs',
        [USER]: { title: 'Guide' },
      },
    })
    assert.deepEqual((result.emails as Doc[])[2], { type: 'other', value: 'o@example.com' })
    assert.equal((result.name as Doc).givenName, 'Babs')
    assert.equal(result.title, 'Guide')
    assert.throws(() => patchUser(bjensen(), { op: 'add', value: { 'emails[type eq]': 'x' } }), {
      scimType: 'invalidPath',
      detail: /^Operations\[0\]\.value\.emails\[type eq\]: path: /,
    })
  })

  test('a core-URN-qualified path', () => {
    const result = patchUser(bjensen(), { op: 'add', path: `${USER}:name.givenName`, value: 'Babs' })
    assert.equal((result.name as Doc).givenName, 'Babs')
  })

  test('a whole extension as the path', () => {
    const result = patchUser(bjensen(), { op: 'add', path: ENTERPRISE, value: { organization: 'Universal Studios' } })
    assert.deepEqual(result[ENTERPRISE], { organization: 'Universal Studios' })
  })

  test('null or an empty list adds nothing', () => {
    assert.deepEqual(patchUser(bjensen(), { op: 'add', path: 'emails', value: [] }), bjensen())
    assert.deepEqual(patchUser(bjensen(), { op: 'add', path: 'nickName', value: null }), bjensen())
  })
})

describe('replace', () => {
  test('a multi-valued attribute without a filter is replaced whole', () => {
    const value = [{ value: 'new@example.com', type: 'work' }]
    const result = patchUser(bjensen(), { op: 'replace', path: 'emails', value })
    assert.deepEqual(result.emails, [{ value: 'new@example.com', type: 'work' }])
  })

  test('a complex attribute: the given sub-attributes replace or add, the others stay (§3.5.2.3)', () => {
    const value = { givenName: 'Babs', formatted: 'Babs J' }
    const result = patchUser(bjensen(), { op: 'replace', path: 'name', value })
    assert.deepEqual(result.name, { givenName: 'Babs', familyName: 'Jensen', formatted: 'Babs J' })
  })

  test('a filtered element is merged with the value', () => {
    const result = patchUser(bjensen(), { op: 'replace', path: 'emails[type eq "home"]', value: { display: 'Home' } })
    assert.deepEqual((result.emails as Doc[])[1], { value: 'babs@jensen.org', type: 'home', display: 'Home' })
  })

  test('a filter with no match creates the element instead of failing with noTarget (Entra)', () => {
    const result = patchUser(bjensen(), { op: 'replace', path: 'addresses[type eq "home"].locality', value: 'Burbank' })
    assert.deepEqual((result.addresses as Doc[])[1], { type: 'home', locality: 'Burbank' })
    const whole = patchUser(bjensen(), { op: 'replace', path: 'ims[type eq "skype"]', value: { value: 'babs' } })
    assert.deepEqual(whole.ims, [{ type: 'skype', value: 'babs' }])
  })

  test('a filter that describes no element and matches nothing is noTarget', () => {
    const paths = [
      'emails[type ne "work"].value',
      'emails[type eq "x" or type eq "y"].value',
      'emails[value co "@"].display',
    ]
    for (const path of paths) {
      assert.throws(() => patchUser({ schemas: [USER], userName: 'x' }, { op: 'replace', path, value: 'v' }), {
        status: 400,
        scimType: 'noTarget',
        detail:
          `Operations[0]: no value of 'emails' matches path '${path}', ` +
          'and its filter does not describe one to create',
      })
    }
  })

  test('null or [] unassigns (RFC 7643 §2.5)', () => {
    const result = patchUser(
      bjensen(),
      { op: 'replace', path: 'displayName', value: null },
      { op: 'replace', path: 'addresses', value: [] },
      { op: 'replace', path: 'name.familyName', value: null },
    )
    assert.equal('displayName' in result, false)
    assert.equal('addresses' in result, false)
    assert.deepEqual(result.name, { givenName: 'Barbara' })
  })

  test('without a path, every key is replaced as if it were a path', () => {
    const result = patchUser(bjensen(), {
      op: 'replace',
      value: { 'name.givenName': 'Babs', emails: [{ value: 'only@example.com' }], active: 'false' },
    })
    assert.deepEqual(result.name, { givenName: 'Babs', familyName: 'Jensen' })
    assert.deepEqual(result.emails, [{ value: 'only@example.com' }])
    assert.equal(result.active, false)
  })

  test('a whole extension set to null goes, and leaves schemas', () => {
    const doc = { ...bjensen(), schemas: [USER, ENTERPRISE], [ENTERPRISE]: { employeeNumber: '1' } }
    const result = patchUser(doc, { op: 'replace', value: { [ENTERPRISE]: null } })
    assert.equal(ENTERPRISE in result, false)
    assert.deepEqual(result.schemas, [USER])
  })
})

describe('remove', () => {
  test('a simple attribute is unset; removing what is absent is fine', () => {
    const result = patchUser(bjensen(), { op: 'remove', path: 'displayName' }, { op: 'remove', path: 'nickName' })
    assert.equal('displayName' in result, false)
  })

  test('a sub-attribute path', () => {
    assert.deepEqual(patchUser(bjensen(), { op: 'remove', path: 'name.givenName' }).name, { familyName: 'Jensen' })
    const emptied = patchUser(
      bjensen(),
      { op: 'remove', path: 'name.givenName' },
      { op: 'remove', path: 'name.familyName' },
    )
    assert.equal('name' in emptied, false)
  })

  test('a filtered sub-attribute is unset on the matches', () => {
    const result = patchUser(bjensen(), { op: 'remove', path: 'emails[type eq "work"].primary' })
    assert.deepEqual(result.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ])
  })

  test('a value list removes only the values listed, matching `value` by its caseExact rule', () => {
    const result = patchUser(bjensen(), { op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org' }] })
    assert.deepEqual(result.emails, [{ value: 'bjensen@example.com', type: 'work', primary: true }])
    const byType = patchUser(bjensen(), { op: 'remove', path: 'emails', value: { type: 'work' } })
    assert.deepEqual(byType.emails, [{ value: 'babs@jensen.org', type: 'home' }])
    const remove = ops({ op: 'Remove', path: 'members', value: [{ value: 'a' }] })
    const members = patch(Group, tourGuides('a', 'A', 'b'), remove)
    assert.deepEqual(members.members, [
      { value: 'A', type: 'User' },
      { value: 'b', type: 'User' },
    ])
  })

  test('a multi-valued attribute without value loses all values', () => {
    assert.equal('emails' in patchUser(bjensen(), { op: 'remove', path: 'emails' }), false)
  })

  test('the last extension attribute takes the extension out of schemas', () => {
    const doc = { ...bjensen(), schemas: [USER, ENTERPRISE], [ENTERPRISE]: { employeeNumber: '1', division: 'D' } }
    const one = patchUser(doc, { op: 'remove', path: `${ENTERPRISE}:employeeNumber` })
    assert.deepEqual(one[ENTERPRISE], { division: 'D' })
    assert.deepEqual(one.schemas, [USER, ENTERPRISE])
    const both = patchUser(
      doc,
      { op: 'remove', path: `${ENTERPRISE}:employeeNumber` },
      { op: 'remove', path: `${ENTERPRISE}:division` },
    )
    assert.equal(ENTERPRISE in both, false)
    assert.deepEqual(both.schemas, [USER])
    const whole = patchUser(doc, { op: 'remove', path: ENTERPRISE })
    assert.equal(ENTERPRISE in whole, false)
    assert.deepEqual(whole.schemas, [USER])
  })

  test('the core schema cannot be removed', () => {
    assert.throws(() => patchUser(bjensen(), { op: 'remove', path: USER }), { scimType: 'invalidPath' })
  })
})

describe('primary (RFC 7643 §2.4)', () => {
  test('making one value primary makes the others not primary', () => {
    const result = patchUser(bjensen(), { op: 'replace', path: 'emails[type eq "home"].primary', value: true })
    assert.deepEqual(result.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ])
  })

  test('an added primary value takes over; Entra\'s "True" counts', () => {
    const value = [{ value: 'n@example.com', primary: 'True' }]
    const result = patchUser(bjensen(), { op: 'add', path: 'emails', value })
    assert.deepEqual(result.emails, [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'n@example.com', primary: true },
    ])
  })

  test('two primary values at once are refused', () => {
    assert.throws(
      () =>
        patchUser(bjensen(), {
          op: 'add',
          path: 'emails',
          value: [
            { value: 'a@x', primary: true },
            { value: 'b@x', primary: true },
          ],
        }),
      { scimType: 'invalidValue' },
    )
    const path = 'emails[value ew "org" or value ew "com"].primary'
    assert.throws(() => patchUser(bjensen(), { op: 'replace', path, value: true }), {
      scimType: 'invalidValue',
      detail: "Operations[0]: more than one value of 'emails' would be primary (RFC 7643 §2.4)",
    })
  })
})

describe('mutability (RFC 7644 §3.5.2)', () => {
  test('readOnly targets are refused', () => {
    const cases: Array<[string, string]> = [
      ['id', "attribute 'id' is readOnly"],
      ['meta', "attribute 'meta' is readOnly"],
      ['meta.lastModified', "attribute 'meta' is readOnly"],
      ['groups', "attribute 'groups' is readOnly"],
      [`${ENTERPRISE}:manager.displayName`, "attribute 'manager.displayName' is readOnly"],
    ]
    for (const [path, detail] of cases) {
      for (const op of ['add', 'replace', 'remove']) {
        assert.throws(() => patchUser(bjensen(), { op, path, value: 'x' }), {
          status: 400,
          scimType: 'mutability',
          detail: `Operations[0]: ${detail}`,
        })
      }
    }
    assert.throws(() => patch(Group, tourGuides(BABS), ops({ op: 'replace', path: 'members.display', value: 'x' })), {
      scimType: 'mutability',
      detail: "Operations[0]: attribute 'members.display' is readOnly",
    })
  })

  test('id, meta and schemas repeated in a path-less value are ignored (Entra, Okta)', () => {
    const result = patchUser(bjensen(), {
      op: 'replace',
      value: { id: 'abc', schemas: ['whatever'], meta: { resourceType: 'User' }, displayName: 'B' },
    })
    assert.deepEqual(result, { ...bjensen(), displayName: 'B' })
  })

  test('other readOnly keys of a path-less value are refused', () => {
    assert.throws(() => patchUser(bjensen(), { op: 'add', value: { groups: [{ value: 'g' }] } }), {
      scimType: 'mutability',
      detail: "Operations[0].value.groups: attribute 'groups' is readOnly",
    })
  })

  test('schemas as a path does nothing', () => {
    for (const op of ['add', 'replace', 'remove']) {
      assert.deepEqual(patchUser(bjensen(), { op, path: 'schemas', value: ['urn:x'] }), bjensen())
    }
  })

  test('an immutable attribute with a value cannot change', () => {
    const group = tourGuides('a')
    assert.throws(() => patch(Group, group, ops({ op: 'replace', path: 'members[value eq "a"].value', value: 'b' })), {
      scimType: 'mutability',
      detail: "Operations[0]: attribute 'members.value' is immutable and already has a value",
    })
    assert.throws(() => patch(Group, group, ops({ op: 'remove', path: 'members[value eq "a"].type' })), {
      scimType: 'mutability',
    })
    // Setting it where it has no value, or to the value it has, is no change.
    const same = patch(Group, group, ops({ op: 'replace', path: 'members[value eq "a"].type', value: 'user' }))
    assert.deepEqual(same.members, [{ value: 'a', type: 'User' }])
  })
})

describe('immutable attributes (RFC 7643 §2.2)', () => {
  const BADGE = 'urn:example:params:scim:schemas:extension:badge:1.0:User'
  const Badged = new ResourceSchema({
    ...userResourceType,
    schema: coreUserSchema,
    extensions: [
      {
        required: false,
        schema: {
          id: BADGE,
          name: 'Badge',
          description: 'Badge',
          attributes: [
            attribute('badge', 'string', 'Set once.', { mutability: 'immutable' }),
            attribute('card', 'complex', 'Issued card.', {
              subAttributes: [
                attribute('serial', 'string', 'Set once.', { mutability: 'immutable' }),
                attribute('color', 'string', 'Any.'),
              ],
            }),
          ],
        },
      },
    ],
  })
  const patchBadged = (doc: Doc, ...operations: unknown[]) => patch(Badged, doc, ops(...operations))
  const badged = (): Doc => ({
    schemas: [USER, BADGE],
    userName: 'b',
    [BADGE]: { badge: 'B-1', card: { serial: 'S-1' } },
  })

  test('may be set while it has no value', () => {
    const result = patchBadged({ schemas: [USER], userName: 'b' }, { op: 'add', path: `${BADGE}:badge`, value: 'B-1' })
    assert.deepEqual(result[BADGE], { badge: 'B-1' })
    assert.deepEqual(result.schemas, [USER, BADGE])
  })

  test('may be written again unchanged (caseExact false: any case)', () => {
    assert.deepEqual(patchBadged(badged(), { op: 'replace', path: `${BADGE}:badge`, value: 'b-1' })[BADGE], {
      badge: 'b-1',
      card: { serial: 'S-1' },
    })
    const value = { serial: 'S-1', color: 'red' }
    assert.deepEqual(patchBadged(badged(), { op: 'replace', path: `${BADGE}:card`, value })[BADGE], {
      badge: 'B-1',
      card: { serial: 'S-1', color: 'red' },
    })
  })

  test('cannot change or go once it has a value', () => {
    const attempts: unknown[] = [
      { op: 'replace', path: `${BADGE}:badge`, value: 'B-2' },
      { op: 'remove', path: `${BADGE}:badge` },
      { op: 'replace', path: BADGE, value: null },
      { op: 'replace', value: { [`${BADGE}:badge`]: 'B-2' } },
      { op: 'replace', path: `${BADGE}:card.serial`, value: 'S-2' },
      { op: 'replace', path: `${BADGE}:card`, value: { serial: 'S-2' } },
      { op: 'remove', path: `${BADGE}:card.serial` },
    ]
    for (const operation of attempts) {
      const expected = { status: 400, scimType: 'mutability' }
      assert.throws(() => patchBadged(badged(), operation), expected, JSON.stringify(operation))
    }
  })
})

describe('paths and values that are refused or ignored', () => {
  test('an unknown attribute in a path names it and the resource type', () => {
    const operations = [
      { op: 'add', path: 'displayname', value: 'ok' },
      { op: 'replace', path: 'shoeSize', value: 42 },
    ]
    assert.throws(() => patchUser(bjensen(), ...operations), {
      status: 400,
      scimType: 'invalidPath',
      detail: "Operations[1]: attribute 'shoeSize' in path 'shoeSize' is not defined for resource type 'User'",
    })
    assert.throws(() => patch(Group, tourGuides(), ops({ op: 'replace', path: 'userName', value: 'x' })), {
      detail: "Operations[0]: attribute 'userName' in path 'userName' is not defined for resource type 'Group'",
    })
    assert.throws(() => patchUser(bjensen(), { op: 'replace', path: 'name.nick', value: 'x' }), {
      scimType: 'invalidPath',
      detail: "Operations[0]: 'name' has no sub-attribute 'nick' (path 'name.nick')",
    })
    assert.throws(() => patchUser(bjensen(), { op: 'replace', path: 'urn:example:unknown:2.0:User:x', value: 'x' }), {
      scimType: 'invalidPath',
    })
  })

  test('value filters must name sub-attributes and filter a multi-valued attribute', () => {
    assert.throws(() => patchUser(bjensen(), { op: 'remove', path: 'emails[kind eq "work"]' }), {
      scimType: 'invalidPath',
      detail: `Operations[0]: 'kind' is not a sub-attribute of 'emails' (path 'emails[kind eq "work"]')`,
    })
    assert.throws(() => patchUser(bjensen(), { op: 'remove', path: 'name[givenName eq "x"]' }), {
      scimType: 'invalidPath',
      detail: `Operations[0]: path 'name[givenName eq "x"]' filters 'name', which is not multi-valued`,
    })
  })

  test('unknown keys of a path-less value are ignored', () => {
    const result = patchUser(bjensen(), {
      op: 'replace',
      value: { displayName: 'B', shoeSize: 42, 'name.nick': 'x', 'urn:example:other:1.0:User:x': 1, 'not a key': 1 },
    })
    assert.deepEqual(result, { ...bjensen(), displayName: 'B' })
  })

  test('values are coerced, and errors say where', () => {
    const result = patchUser(bjensen(), { op: 'Replace', path: 'active', value: 'FALSE' })
    assert.equal(result.active, false)
    const manager = patchUser(bjensen(), { op: 'add', path: `${ENTERPRISE}:manager`, value: 'id1' })
    assert.deepEqual(manager[ENTERPRISE], { manager: { value: 'id1' } })
    const operations = [
      { op: 'replace', path: 'displayName', value: 'x' },
      { op: 'replace', path: 'active', value: 'maybe' },
    ]
    assert.throws(() => patchUser(bjensen(), ...operations), {
      scimType: 'invalidValue',
      detail: /^Operations\[1\]\.value: expected a boolean/,
    })
    assert.throws(() => patchUser(bjensen(), { op: 'replace', value: { active: 3 } }), {
      scimType: 'invalidValue',
      detail: /^Operations\[0\]\.value\.active: expected a boolean/,
    })
  })
})

describe('atomicity and copies', () => {
  test('an error in a later operation returns nothing and leaves the input as it was', () => {
    const doc = bjensen()
    const before = structuredClone(doc)
    const operations = parsePatchOp(
      ops(
        { op: 'replace', path: 'displayName', value: 'changed' },
        { op: 'remove', path: 'emails' },
        { op: 'add', path: 'name.givenName', value: 'X' },
        { op: 'replace', path: 'id', value: 'new-id' },
      ),
    )
    assert.throws(() => applyPatch(User, doc, operations), { scimType: 'mutability', detail: /^Operations\[3\]/ })
    assert.deepEqual(doc, before)
  })

  test('the result shares no object with the input or with the operations', () => {
    const doc = bjensen()
    const operations = parsePatchOp(ops({ op: 'add', path: 'emails', value: [{ value: 'n@x', type: 'other' }] }))
    const result = applyPatch(User, doc, operations)
    ;(result.emails as Doc[]).forEach((e) => (e.display = 'mutated'))
    ;(result.name as Doc).givenName = 'mutated'
    assert.deepEqual(doc, bjensen())
    assert.deepEqual(operations[0]?.value, [{ value: 'n@x', type: 'other' }])
  })

  test('no operations: an equal copy', () => {
    const doc = bjensen()
    const result = applyPatch(User, doc, [])
    assert.deepEqual(result, doc)
    assert.notEqual(result, doc)
  })
})

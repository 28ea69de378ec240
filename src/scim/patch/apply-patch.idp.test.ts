/**
 * The PATCH bodies identity providers and platforms send, as docs/idp-compatibility.md describes
 * them (with where each was observed), run the way the provisioning layer runs them: parse,
 * split the member changes off, apply the rest.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ResourceSchema } from '../schema/resource-schema.js'
import { defaultRegistry } from '../schema/resource-types.js'
import { applyPatch } from './apply-patch.js'
import { splitMemberOperations, type MemberChange } from './member-changes.js'
import { parsePatchOp } from './patch-op.js'

const registry = defaultRegistry()
const User = registry.require('User')
const Group = registry.require('Group')

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const ENTRA_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'

type Doc = Record<string, unknown>

function run(schema: ResourceSchema, doc: Doc, body: unknown): { document: Doc; memberChanges: MemberChange[] } {
  const { documentOperations, memberChanges } = splitMemberOperations(schema, parsePatchOp(body))
  return { document: applyPatch(schema, doc, documentOperations), memberChanges }
}

const user = (): Doc => ({
  schemas: [USER, ENTERPRISE],
  externalId: 'E012345',
  userName: 'mona@example.com',
  active: true,
  name: { givenName: 'Mona', familyName: 'Octocat', formatted: 'Mona Octocat' },
  displayName: 'Mona Octocat',
  emails: [{ value: 'mona@example.com', type: 'work', primary: true }],
  [ENTERPRISE]: { employeeNumber: '1' },
})

const group = (): Doc => ({ schemas: [GROUP, ENTRA_GROUP], externalId: 'g-ext', displayName: 'Engineering' })

describe("GitHub Enterprise Managed Users (GitHub's OpenAPI examples)", () => {
  test('deactivate', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    })
    assert.equal(document.active, false)
  })

  test('rename', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' },
        { op: 'replace', path: 'displayName', value: 'Monalisa Octocat' },
      ],
    })
    assert.equal(document.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com')
    assert.equal(document.displayName, 'Monalisa Octocat')
  })

  test('add members', () => {
    const { document, memberChanges } = run(Group, group(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: [{ value: '879db59-3bdf-4490-ad68-ab880a2694745' }, { value: '0db508eb-91e2-46e4-809c-30dcbda0c685' }],
        },
      ],
    })
    assert.deepEqual(document, group())
    assert.deepEqual(memberChanges, [
      {
        kind: 'add',
        members: [{ value: '879db59-3bdf-4490-ad68-ab880a2694745' }, { value: '0db508eb-91e2-46e4-809c-30dcbda0c685' }],
        index: 0,
      },
    ])
  })

  test('organization SCIM deactivation: the body lacks schemas and is accepted', () => {
    assert.equal(parsePatchOp({ Operations: [{ op: 'replace', value: { active: false } }] }).length, 1)
    const document = applyPatch(User, user(), [{ index: 0, op: 'replace', value: { active: false } }])
    assert.equal(document.active, false)
  })
})

describe('GitLab', () => {
  test('capitalised ops, Update, and "true"/"false" strings', () => {
    const body = (op: string, value: unknown) => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op, path: 'active', value }],
    })
    assert.equal(run(User, user(), body('Replace', 'false')).document.active, false)
    assert.equal(run(User, { ...user(), active: false }, body('replace', 'true')).document.active, true)
    assert.equal(run(User, user(), body('Update', 'false')).document.active, false)
    assert.equal(run(User, user(), body('Add', 'false')).document.active, false)
  })

  test('Add of a path-less externalId and name', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', value: { externalId: 'new-uid', 'name.formatted': 'Mona L. Octocat' } }],
    })
    assert.equal(document.externalId, 'new-uid')
    assert.equal((document.name as Doc).formatted, 'Mona L. Octocat')
  })
})

describe('Microsoft Entra ID', () => {
  test('disable, default body: Replace with the string "False"', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    })
    assert.equal(document.active, false)
  })

  test('disable with aadOptscim062020, and Microsoft\'s documented sample', () => {
    for (const op of ['replace', 'Replace']) {
      const { document } = run(User, user(), {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op, path: 'active', value: false }],
      })
      assert.equal(document.active, false)
    }
  })

  test('enable with "True"', () => {
    const { document } = run(User, { ...user(), active: false }, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    })
    assert.equal(document.active, true)
  })

  test('update paths: emails[type eq "work"].value, name.familyName, userName', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'mona.new@example.com' },
        { op: 'Replace', path: 'name.familyName', value: 'Lisa' },
        { op: 'Replace', path: 'userName', value: 'mona.new@example.com' },
        { op: 'Add', path: 'emails[type eq "home"].value', value: 'mona@home.example' },
      ],
    })
    assert.deepEqual(document.emails, [
      { value: 'mona.new@example.com', type: 'work', primary: true },
      { type: 'home', value: 'mona@home.example' },
    ])
    assert.equal((document.name as Doc).familyName, 'Lisa')
    assert.equal(document.userName, 'mona.new@example.com')
  })

  test('the first work email of a user who had none is created', () => {
    const { document } = run(User, { schemas: [USER], userName: 'x' }, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'x@example.com' }],
    })
    assert.deepEqual(document.emails, [{ type: 'work', value: 'x@example.com' }])
  })

  test('manager as a bare id', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: '23a35c27-23d3-4c03-b4c5-6443c09e7173' }],
    })
    assert.deepEqual(document[ENTERPRISE], {
      employeeNumber: '1',
      manager: { value: '23a35c27-23d3-4c03-b4c5-6443c09e7173' },
    })
  })

  test('replace multiple attributes (aadOptscim062020, verbatim)', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq',
          },
        },
      ],
    })
    assert.deepEqual(document, {
      ...user(),
      emails: [{ value: 'TestMhvaes@test.microsoft.com', type: 'work', primary: true }],
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua', formatted: 'Mona Octocat' },
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    })
  })

  test('group: add a member', () => {
    const { document, memberChanges } = run(Group, group(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u1091' }] }],
    })
    assert.deepEqual(document, group())
    assert.deepEqual(memberChanges, [{ kind: 'add', members: [{ value: 'u1091' }], index: 0 }])
  })

  test('group: remove a member, default body (path members + value list)', () => {
    const { memberChanges } = run(Group, group(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: 'u1091' }] }],
    })
    assert.deepEqual(memberChanges, [{ kind: 'remove', values: ['u1091'], index: 0 }])
  })

  test('group: remove a member with aadOptscim062020 (filter path)', () => {
    const { memberChanges } = run(Group, group(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: 'members[value eq "7f4d4b3e-3f5a-4d0e-9a52-0a1a1c9f8e01"]' }],
    })
    assert.deepEqual(memberChanges, [{ kind: 'remove', values: ['7f4d4b3e-3f5a-4d0e-9a52-0a1a1c9f8e01'], index: 0 }])
  })

  test('group: the same removals applied to a document that holds members', () => {
    const doc = { ...group(), members: [{ value: 'u1091' }, { value: 'u2' }] }
    const body = (operation: unknown) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [operation] })
    const members = (operation: unknown) => applyPatch(Group, doc, parsePatchOp(body(operation))).members
    assert.deepEqual(members({ op: 'Remove', path: 'members', value: [{ value: 'u1091' }] }), [{ value: 'u2' }])
    assert.deepEqual(members({ op: 'remove', path: 'members[value eq "u1091"]' }), [{ value: 'u2' }])
  })

  test('group: rename', () => {
    const { document, memberChanges } = run(Group, group(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'displayName', value: 'Engineering (all)' }],
    })
    assert.equal(document.displayName, 'Engineering (all)')
    assert.deepEqual(document.schemas, [GROUP, ENTRA_GROUP])
    assert.deepEqual(memberChanges, [])
  })
})

describe('Okta (shapes from descriptions of Okta\'s requests; not replayed from a live tenant)', () => {
  test('deactivate and reactivate with a path-less value', () => {
    const off = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    })
    assert.equal(off.document.active, false)
    const on = run(User, off.document, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: true } }],
    })
    assert.equal(on.document.active, true)
  })

  test('password change (writeOnly may be written)', () => {
    const { document } = run(User, user(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { password: 'Sup3rS3cret!' } }],
    })
    assert.equal(document.password, 'Sup3rS3cret!')
  })

  test('group rename repeating the id', () => {
    const { document, memberChanges } = run(Group, group(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'Test SCIMv2' } },
      ],
    })
    assert.equal(document.displayName, 'Test SCIMv2')
    assert.equal('id' in document, false)
    assert.deepEqual(memberChanges, [])
  })

  test('group push: add members with display, remove by filter', () => {
    const { document, memberChanges } = run(Group, group(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }],
        },
        { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
      ],
    })
    assert.deepEqual(document, group())
    assert.deepEqual(memberChanges, [
      { kind: 'add', members: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173' }], index: 0 },
      { kind: 'remove', values: ['89bb1940-b905-4575-9e7f-6f887cfb368e'], index: 1 },
    ])
  })
})

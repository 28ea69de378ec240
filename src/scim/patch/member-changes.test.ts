import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { defaultRegistry } from '../schema/resource-types.js'
import { splitMemberOperations } from './member-changes.js'
import { parsePatchOp } from './patch-op.js'

const registry = defaultRegistry()
const User = registry.require('User')
const Group = registry.require('Group')
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'

const split = (...Operations: unknown[]) =>
  splitMemberOperations(Group, parsePatchOp({ schemas: [PATCH_OP], Operations }))

describe('splitMemberOperations', () => {
  test('add, replace and remove on path members', () => {
    const { documentOperations, memberChanges } = split(
      {
        op: 'add',
        path: 'members',
        value: [{ value: 'u1', type: 'user' }, { value: 'g1', type: 'GROUP' }, { value: 'u1' }],
      },
      { op: 'replace', path: 'Members', value: [{ value: 'u2' }] },
      { op: 'replace', path: 'members', value: null },
      { op: 'remove', path: 'members', value: [{ value: 'u2' }, { value: 'u3', display: 'x' }] },
      { op: 'remove', path: 'members' },
      { op: 'add', path: `${GROUP}:members`, value: { value: 'u4' } },
    )
    assert.deepEqual(documentOperations, [])
    assert.deepEqual(memberChanges, [
      { kind: 'add', members: [{ value: 'u1', type: 'User' }, { value: 'g1', type: 'Group' }], index: 0 },
      { kind: 'replace', members: [{ value: 'u2' }], index: 1 },
      { kind: 'replace', members: [], index: 2 },
      { kind: 'remove', values: ['u2', 'u3'], index: 3 },
      { kind: 'removeAll', index: 4 },
      { kind: 'add', members: [{ value: 'u4' }], index: 5 },
    ])
  })

  test('RFC 7644 §3.5.2.2 filter removal is the fast path, or-chains too', () => {
    const { memberChanges } = split(
      { op: 'remove', path: 'members[value eq "2819c223-7f76-453a-919d-413861904646"]' },
      { op: 'remove', path: 'members[value eq "a" or value eq "b" or VALUE eq "c"]' },
    )
    assert.deepEqual(memberChanges, [
      { kind: 'remove', values: ['2819c223-7f76-453a-919d-413861904646'], index: 0 },
      { kind: 'remove', values: ['a', 'b', 'c'], index: 1 },
    ])
  })

  test('other filters become removeWhere with the parsed filter', () => {
    const { memberChanges } = split(
      { op: 'remove', path: 'members[type eq "Group"]' },
      { op: 'remove', path: 'members[value eq "a" and type eq "User"]' },
      { op: 'remove', path: 'members[value sw "a" or value eq "b"]' },
    )
    assert.deepEqual(memberChanges.map((c) => c.kind), ['removeWhere', 'removeWhere', 'removeWhere'])
    const [first] = memberChanges
    assert.ok(first?.kind === 'removeWhere')
    assert.equal(first.filter.kind, 'compare')
    assert.equal(first.index, 0)
  })

  test('a path-less value is split: members become a change, the rest stays', () => {
    const { documentOperations, memberChanges } = split(
      { op: 'replace', value: { displayName: 'Ops', members: [{ value: 'u1' }] } },
      { op: 'Add', value: { members: [{ $ref: null, value: 'u2' }] } },
      { op: 'replace', value: { [GROUP]: { members: [{ value: 'u3' }], displayName: 'Ops 2' } } },
    )
    assert.deepEqual(documentOperations, [
      { index: 0, op: 'replace', value: { displayName: 'Ops' } },
      { index: 2, op: 'replace', value: { [GROUP]: { displayName: 'Ops 2' } } },
    ])
    assert.deepEqual(memberChanges, [
      { kind: 'replace', members: [{ value: 'u1' }], index: 0 },
      { kind: 'add', members: [{ value: 'u2' }], index: 1 },
      { kind: 'replace', members: [{ value: 'u3' }], index: 2 },
    ])
  })

  test('other operations keep their order and identity', () => {
    const operations = parsePatchOp({
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'a' },
        { op: 'add', path: 'members', value: [{ value: 'u1' }] },
        { op: 'replace', path: 'externalId', value: 'e' },
      ],
    })
    const { documentOperations, memberChanges } = splitMemberOperations(Group, operations)
    assert.deepEqual(documentOperations, [operations[0], operations[2]])
    assert.equal(documentOperations[0], operations[0])
    assert.deepEqual(memberChanges.map((c) => c.index), [1])
  })

  test('member sub-attributes cannot be changed', () => {
    assert.throws(() => split({ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }), {
      status: 400,
      scimType: 'mutability',
      detail: "Operations[0]: attribute 'members.display' is readOnly",
    })
    assert.throws(() => split({ op: 'replace', path: 'members[value eq "u1"].value', value: 'u2' }), {
      scimType: 'mutability',
      detail: "Operations[0]: attribute 'members.value' is immutable; remove the member and add it again",
    })
    assert.throws(() => split({ op: 'remove', path: 'members.type' }), { scimType: 'mutability' })
    assert.throws(() => split({ op: 'add', path: 'members[value eq "u1"]', value: { value: 'u1' } }), {
      scimType: 'mutability',
      detail: "Operations[0]: members are immutable; use op 'add' with path 'members', or op 'remove'",
    })
    assert.throws(() => split({ op: 'replace', path: 'members[value eq "u1"].displayName', value: 'x' }), {
      scimType: 'invalidPath',
    })
    assert.throws(() => split({ op: 'replace', value: { 'members.value': 'x' } }), { scimType: 'mutability' })
  })

  test("member items need a string 'value' and a known type", () => {
    assert.throws(
      () =>
        split(
          { op: 'add', path: 'displayName', value: 'x' },
          { op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }, { value: 'c' }, { display: 'd' }] },
        ),
      { status: 400, scimType: 'invalidValue', detail: "Operations[1].value[3]: 'value' is required" },
    )
    assert.throws(() => split({ op: 'add', path: 'members', value: [{ value: 7 }] }), {
      scimType: 'invalidValue',
      detail: "Operations[0].value[0]: 'value' must be a string, the id of the member",
    })
    assert.deepEqual(split({ op: 'add', path: 'members', value: ['u1'] }).memberChanges, [
      { kind: 'add', members: [{ value: 'u1' }], index: 0 },
    ])
    assert.throws(() => split({ op: 'add', path: 'members', value: [['u1']] }), {
      scimType: 'invalidValue',
      detail: "Operations[0].value[0]: expected an object with 'value', the id of the member",
    })
    assert.throws(() => split({ op: 'add', path: 'members', value: [{ value: 'u1', type: 'Device' }] }), {
      scimType: 'invalidValue',
      detail: `Operations[0].value[0].type: expected 'User' or 'Group', found "Device"`,
    })
    assert.throws(() => split({ op: 'remove', path: 'members', value: [{ value: '' }] }), {
      detail: "Operations[0].value[0]: 'value' is required",
    })
    assert.throws(() => split({ op: 'replace', value: { members: [{}] } }), {
      detail: "Operations[0].value.members[0]: 'value' is required",
    })
  })

  test('unknown paths fail here as they would in applyPatch', () => {
    assert.throws(() => split({ op: 'add', path: 'owners', value: [{ value: 'u1' }] }), {
      scimType: 'invalidPath',
      detail: "Operations[0]: attribute 'owners' in path 'owners' is not defined for resource type 'Group'",
    })
  })

  test('resource types without members pass through', () => {
    const operations = parsePatchOp({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { members: [{ value: 'x' }] } }],
    })
    assert.deepEqual(splitMemberOperations(User, operations), { documentOperations: operations, memberChanges: [] })
  })
})

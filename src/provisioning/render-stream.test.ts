import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseAttributeList } from '../scim/schema/attribute-list.js'
import { compileProjection } from '../scim/schema/project.js'
import { defaultRegistry } from '../scim/schema/resource-types.js'
import type { Member, StoredResource } from '../store/contract.js'
import { renderResource } from './render.js'
import { GroupJsonWriter, type Project } from './render-stream.js'

const GROUP = defaultRegistry().require('Group')
const BASE = 'https://roster.test/scim/v2/organizations/acme'

const group: StoredResource = {
  id: 'g-1',
  resourceType: 'Group',
  version: 7,
  created: '2024-03-01T00:00:00.000Z',
  lastModified: '2024-03-02T00:00:00.000Z',
  document: {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Team "A" \u2028 \ud83d\ude00',
    externalId: 'ext-1',
  },
}

/** Values JSON escapes: quotes, backslashes, controls, line separators, astral and lone surrogates. */
const members: Member[] = [
  { value: 'u-1', type: 'User', display: 'Ada' },
  { value: 'u-"2"\\', type: 'User' },
  { value: 'g-9', type: 'Group', display: 'Sub \u0001 team \u2029' },
  { value: 'u-\ud83d\ude00', type: 'User', display: 'lone \ud800 surrogate' },
  { value: 'u-5', type: 'User', display: '' },
]

const projection = (attributes?: string, excluded?: string): Project =>
  compileProjection(GROUP, {
    attributes: parseAttributeList(attributes, 'attributes'),
    excludedAttributes: parseAttributeList(excluded, 'excludedAttributes'),
  })

/** The writer's parts for `list` split into pages of `size`. */
function streamed(list: readonly Member[], project: Project, size: number): string {
  const writer = new GroupJsonWriter(group, BASE, project)
  let out = writer.head()
  for (let i = 0; i === 0 || i < list.length; i += size) out += writer.members(list.slice(i, i + size))
  return out + writer.tail()
}

const rendered = (list: readonly Member[], project: Project) =>
  JSON.stringify(project(renderResource(group, { members: list }, BASE)))

const CASES: [string | undefined, string | undefined][] = [
  [undefined, undefined],
  ['members', undefined],
  ['members,displayName', undefined],
  ['displayName,members', undefined],
  ['members.value', undefined],
  ['members.display', undefined],
  ['members.$ref,members.type', undefined],
  ['urn:ietf:params:scim:schemas:core:2.0:Group:members', undefined],
  [undefined, 'members.display'],
  [undefined, 'members.value,members.$ref,members.type'],
  [undefined, 'meta'],
  [undefined, 'displayName,externalId,meta'],
  [undefined, 'members'],
  ['displayName', undefined],
  ['members.nonexistent', undefined],
]

test('the parts joined equal the rendered, projected, serialised group, for any projection and paging', () => {
  for (const [attributes, excluded] of CASES) {
    const project = projection(attributes, excluded)
    for (const list of [members, [], members.slice(1, 2), [members[1]!, members[1]!]]) {
      const expected = rendered(list, project)
      assert.doesNotThrow(() => JSON.parse(expected))
      for (const size of [1, 2, 3, 100]) {
        assert.equal(streamed(list, project, size), expected, `attributes=${attributes} excluded=${excluded} size=${size}`)
      }
    }
  }
})

test('members come before meta, and an empty group shows "members":[]', () => {
  const all = projection()
  const text = streamed([members[0]!], all, 1)
  assert.ok(text.indexOf('"members":[') < text.indexOf('"meta":'))
  assert.match(streamed([], all, 1), /"members":\[\],"meta":/)
})

test('a trimmed member with nothing left is left out, and so is the attribute when no member is left', () => {
  const displayOnly = projection('members.display')
  const withoutDisplay = [members[1]!]
  assert.equal(streamed(withoutDisplay, displayOnly, 1), rendered(withoutDisplay, displayOnly))
  assert.doesNotMatch(streamed(withoutDisplay, displayOnly, 1), /members/)
  assert.match(streamed(members, displayOnly, 2), /"members":\[\{"display":"Ada"\},\{"display":"Sub/)
})

test('showsMembers follows the projection', () => {
  assert.equal(new GroupJsonWriter(group, BASE, projection()).showsMembers, true)
  assert.equal(new GroupJsonWriter(group, BASE, projection('members.value')).showsMembers, true)
  assert.equal(new GroupJsonWriter(group, BASE, projection(undefined, 'members')).showsMembers, false)
  assert.equal(new GroupJsonWriter(group, BASE, projection('displayName')).showsMembers, false)
})

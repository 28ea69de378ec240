import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { group, GROUP_SCHEMA, patch, STORES, startHarness, user, type Harness } from '../helpers/harness.js'

interface Ref {
  value: string
  $ref?: string
  type?: string
  display?: string
}

const byValue = (a: Ref, b: Ref) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)

for (const { name, open } of STORES) {
  describe(`Groups and membership — RFC 7643 §4.2, RFC 7644 §3.5 [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    let counter = 0
    const newUser = async (extra: Record<string, unknown> = {}) => {
      const res = await h.scim('POST', '/Users', user(`member.${++counter}@example.com`, extra))
      assert.equal(res.status, 201, res.text)
      return res.body as { id: string; userName: string }
    }
    const newGroup = async (members: Ref[] = [], extra: Record<string, unknown> = {}) => {
      const res = await h.scim('POST', '/Groups', group(`Group ${++counter}`, { members, ...extra }))
      assert.equal(res.status, 201, res.text)
      return res.body as { id: string; displayName: string; members?: Ref[] }
    }
    const membersOf = async (groupId: string): Promise<string[]> => {
      const res = await h.scim('GET', `/Groups/${groupId}`)
      assert.equal(res.status, 200, res.text)
      return ((res.body.members ?? []) as Ref[]).map((m) => m.value).sort()
    }
    const groupsOf = async (userId: string): Promise<Ref[]> => {
      const res = await h.scim('GET', `/Users/${userId}`)
      assert.equal(res.status, 200, res.text)
      return ((res.body.groups ?? []) as Ref[]).sort(byValue)
    }
    const sorted = (...ids: string[]) => [...ids].sort()

    test('POST with user and nested group members: 201, members carry value, $ref, type and display', async () => {
      const alice = await newUser({ displayName: 'Alice Adams' })
      const bob = await newUser()
      const inner = await newGroup([], { displayName: 'Inner Circle' })
      const res = await h.scim('POST', '/Groups', {
        ...group('Outer'),
        externalId: 'outer-ext',
        members: [{ value: alice.id }, { value: bob.id, type: 'User' }, { value: inner.id, type: 'Group' }],
      })
      assert.equal(res.status, 201, res.text)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.deepEqual(res.body.schemas, [GROUP_SCHEMA])
      assert.equal(res.body.displayName, 'Outer')
      assert.equal(res.body.externalId, 'outer-ext')
      assert.equal(res.body.meta.resourceType, 'Group')
      assert.equal(res.body.meta.location, `https://roster.test${h.base}/Groups/${res.body.id}`)
      assert.equal(res.headers.location, res.body.meta.location)
      assert.equal(res.headers.etag, 'W/"1"')
      const members = [...(res.body.members as Ref[])].sort(byValue)
      const expected: Ref[] = [
        { value: alice.id, $ref: `https://roster.test${h.base}/Users/${alice.id}`, type: 'User', display: 'Alice Adams' },
        { value: bob.id, $ref: `https://roster.test${h.base}/Users/${bob.id}`, type: 'User', display: bob.userName },
        { value: inner.id, $ref: `https://roster.test${h.base}/Groups/${inner.id}`, type: 'Group', display: 'Inner Circle' },
      ].sort(byValue)
      assert.deepEqual(members, expected)
      // The same members come back on GET.
      assert.deepEqual(await membersOf(res.body.id), sorted(alice.id, bob.id, inner.id))
    })

    test('client-sent member $ref and display are ignored: the server derives them (RFC 7643 §4.2)', async () => {
      const u = await newUser({ displayName: 'Real Name' })
      const res = await h.scim('POST', '/Groups', group('Derived', {
        members: [{ value: u.id, display: 'Fake Name', $ref: 'https://evil.example/Users/x' }],
      }))
      assert.equal(res.status, 201, res.text)
      assert.equal(res.body.members[0].display, 'Real Name')
      assert.equal(res.body.members[0].$ref, `https://roster.test${h.base}/Users/${u.id}`)
    })

    test('members naming an unknown id: 400 invalidValue, and no group is created', async () => {
      const u = await newUser()
      const res = await h.scim('POST', '/Groups', group('Ghosts', {
        members: [{ value: u.id }, { value: '11111111-2222-3333-4444-555555555555' }],
      }))
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
      assert.match(res.body.detail, /11111111-2222-3333-4444-555555555555/)
      const list = await h.scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Ghosts"')}`)
      assert.equal(list.body.totalResults, 0)
      assert.deepEqual(await groupsOf(u.id), [])
    })

    test('a member whose declared type is wrong is stored with its real type (idp-tolerance.test.ts logs it)', async () => {
      const u = await newUser()
      const res = await h.scim('POST', '/Groups', group('Mistyped', { members: [{ value: u.id, type: 'Group' }] }))
      assert.equal(res.status, 201, res.text)
      assert.deepEqual(res.body.members.map((m: { type: string }) => m.type), ['User'])
    })

    test('a group cannot be its own member: PATCH add of itself is 400 invalidValue', async () => {
      const g = await newGroup()
      const res = await h.scim('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: g.id }] }))
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
      assert.deepEqual(await membersOf(g.id), [])
    })

    test('GET with excludedAttributes=members returns no members; attributes=members returns them', async () => {
      const u = await newUser()
      const g = await newGroup([{ value: u.id }])
      const without = await h.scim('GET', `/Groups/${g.id}?excludedAttributes=members`)
      assert.equal(without.status, 200)
      assert.equal(without.body.members, undefined)
      assert.equal(without.body.displayName, g.displayName)
      assert.equal(without.body.id, g.id)
      const only = await h.scim('GET', `/Groups/${g.id}?attributes=members`)
      assert.equal(only.body.displayName, undefined)
      assert.deepEqual(only.body.members.map((m: Ref) => m.value), [u.id])
      const list = await h.scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`id eq "${g.id}"`)}`)
      assert.equal(list.body.totalResults, 1)
      assert.equal(list.body.Resources[0].members, undefined)
    })

    test('User.groups lists direct memberships with value, display, $ref and type "direct"', async () => {
      const u = await newUser()
      const g1 = await newGroup([{ value: u.id }], { displayName: 'Readers' })
      const g2 = await newGroup([{ value: u.id }], { displayName: 'Writers' })
      const groups = await groupsOf(u.id)
      assert.deepEqual(
        groups,
        [
          { value: g1.id, display: 'Readers', $ref: `https://roster.test${h.base}/Groups/${g1.id}`, type: 'direct' },
          { value: g2.id, display: 'Writers', $ref: `https://roster.test${h.base}/Groups/${g2.id}`, type: 'direct' },
        ].sort(byValue),
      )
      // A renamed group shows its new name in User.groups.
      const renamed = await h.scim('PATCH', `/Groups/${g1.id}`, patch({ op: 'replace', path: 'displayName', value: 'Readers 2' }))
      assert.equal(renamed.status, 204, renamed.text)
      assert.equal((await groupsOf(u.id)).find((g) => g.value === g1.id)?.display, 'Readers 2')
    })

    test('User.groups is readOnly: sent on POST and PUT it is ignored', async () => {
      const g = await newGroup()
      const created = await h.scim('POST', '/Users', user('groups.readonly@example.com', { groups: [{ value: g.id }] }))
      assert.equal(created.status, 201, created.text)
      assert.deepEqual(created.body.groups, [])
      assert.deepEqual(await membersOf(g.id), [])

      const other = await newGroup([{ value: created.body.id }])
      const put = await h.scim('PUT', `/Users/${created.body.id}`, user('groups.readonly@example.com', { groups: [{ value: g.id }] }))
      assert.equal(put.status, 200, put.text)
      assert.deepEqual(put.body.groups.map((x: Ref) => x.value), [other.id])
      assert.deepEqual(await membersOf(g.id), [])
      assert.deepEqual(await membersOf(other.id), [created.body.id])
      // PUT without groups does not drop the memberships either.
      const put2 = await h.scim('PUT', `/Users/${created.body.id}`, user('groups.readonly@example.com'))
      assert.deepEqual(put2.body.groups.map((x: Ref) => x.value), [other.id])
    })

    test('PUT replaces the member list; a PUT without members empties it', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }, { value: b.id }])
      const put = await h.scim('PUT', `/Groups/${g.id}`, group(g.displayName, { members: [{ value: b.id }, { value: c.id }] }))
      assert.equal(put.status, 200, put.text)
      assert.deepEqual((put.body.members as Ref[]).map((m) => m.value).sort(), sorted(b.id, c.id))
      assert.equal(put.body.meta.version, 'W/"2"')
      assert.deepEqual(await groupsOf(a.id), [])

      const emptied = await h.scim('PUT', `/Groups/${g.id}`, group('Renamed by PUT'))
      assert.equal(emptied.status, 200, emptied.text)
      assert.equal(emptied.body.displayName, 'Renamed by PUT')
      assert.deepEqual(emptied.body.members ?? [], [])
      assert.deepEqual(await membersOf(g.id), [])
      assert.deepEqual(await groupsOf(c.id), [])
    })

    test('PUT changes members by difference: kept members keep their place, the same set in another order writes nothing', async () => {
      const [a, b, c, d] = [await newUser(), await newUser(), await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }, { value: b.id }, { value: c.id }])
      const inOrder = async () => ((await h.scim('GET', `/Groups/${g.id}`)).body.members as Ref[]).map((m) => m.value)
      const put = await h.scim('PUT', `/Groups/${g.id}`, group(g.displayName, { members: [{ value: c.id }, { value: d.id }, { value: b.id }] }))
      assert.equal(put.status, 200, put.text)
      assert.equal(put.body.meta.version, 'W/"2"')
      // b and c keep their rows (and so the order they were added in); a goes, d comes last.
      assert.deepEqual(await inOrder(), [b.id, c.id, d.id])
      const same = await h.scim('PUT', `/Groups/${g.id}`, group(g.displayName, { members: [{ value: d.id }, { value: b.id }, { value: c.id }] }))
      assert.equal(same.status, 200, same.text)
      assert.equal(same.body.meta.version, 'W/"2"', 'the same members in another order change nothing')
      assert.deepEqual(await inOrder(), [b.id, c.id, d.id])
    })

    test('PUT with an unknown member id is 400 invalidValue and changes nothing', async () => {
      const a = await newUser()
      const g = await newGroup([{ value: a.id }])
      const res = await h.scim('PUT', `/Groups/${g.id}`, group('Changed', { members: [{ value: 'no-such-id' }] }))
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
      const now = await h.scim('GET', `/Groups/${g.id}`)
      assert.equal(now.body.displayName, g.displayName)
      assert.deepEqual(now.body.members.map((m: Ref) => m.value), [a.id])
      assert.equal(now.body.meta.version, 'W/"1"')
    })

    test('PATCH add members: 204 with no body and a new ETag; the member is added', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }])
      const res = await h.scim('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: b.id }] }))
      assert.equal(res.status, 204, res.text)
      assert.equal(res.text, '')
      assert.equal(res.headers.etag, 'W/"2"')
      assert.deepEqual(await membersOf(g.id), sorted(a.id, b.id))
      assert.deepEqual((await groupsOf(b.id)).map((x) => x.value), [g.id])
    })

    test('PATCH returns 200 with the group when ?attributes=members or ?excludedAttributes= is given', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }])
      const withMembers = await h.scim(
        'PATCH',
        `/Groups/${g.id}?attributes=members`,
        patch({ op: 'add', path: 'members', value: [{ value: b.id }] }),
      )
      assert.equal(withMembers.status, 200, withMembers.text)
      assert.equal(withMembers.headers.etag, 'W/"2"')
      assert.deepEqual((withMembers.body.members as Ref[]).map((m) => m.value).sort(), sorted(a.id, b.id))
      assert.equal(withMembers.body.id, g.id)
      assert.equal(withMembers.body.displayName, undefined)

      const excluded = await h.scim(
        'PATCH',
        `/Groups/${g.id}?excludedAttributes=displayName`,
        patch({ op: 'add', path: 'members', value: [{ value: c.id }] }),
      )
      assert.equal(excluded.status, 200, excluded.text)
      assert.equal(excluded.body.displayName, undefined)
      assert.deepEqual((excluded.body.members as Ref[]).map((m) => m.value).sort(), sorted(a.id, b.id, c.id))
      assert.equal(excluded.body.meta.version, 'W/"3"')
    })

    test('PATCH add of an existing member is idempotent: no duplicate', async () => {
      const a = await newUser()
      const g = await newGroup([{ value: a.id }])
      const res = await h.scim(
        'PATCH',
        `/Groups/${g.id}`,
        patch({ op: 'add', path: 'members', value: [{ value: a.id }, { value: a.id }] }),
      )
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await membersOf(g.id), [a.id])
      assert.equal((await groupsOf(a.id)).length, 1)
      // RFC 7644 §3.5.2.1: an add that changes nothing "SHALL NOT change the modify timestamp".
      assert.equal(res.headers.etag, 'W/"1"')
    })

    test('PATCH add members naming an unknown id: 400 invalidValue, nothing added', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }])
      const res = await h.scim(
        'PATCH',
        `/Groups/${g.id}`,
        patch({ op: 'add', path: 'members', value: [{ value: b.id }, { value: 'ghost' }] }),
      )
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
      assert.deepEqual(await membersOf(g.id), [a.id])
    })

    test('PATCH remove with path members[value eq "id"] removes just that member', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }, { value: b.id }])
      const res = await h.scim('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: `members[value eq "${a.id}"]` }))
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await membersOf(g.id), [b.id])
      assert.deepEqual(await groupsOf(a.id), [])
    })

    test('PATCH remove with the Entra value list removes only the listed members', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }, { value: b.id }, { value: c.id }])
      const res = await h.scim(
        'PATCH',
        `/Groups/${g.id}`,
        patch({ op: 'Remove', path: 'members', value: [{ value: a.id }, { value: c.id }] }),
      )
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await membersOf(g.id), [b.id])
    })

    test('PATCH remove with path members and no value removes every member', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }, { value: b.id }])
      const res = await h.scim('PATCH', `/Groups/${g.id}`, patch({ op: 'remove', path: 'members' }))
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await membersOf(g.id), [])
      assert.deepEqual(await groupsOf(a.id), [])
    })

    test('PATCH replace members swaps the whole list', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }, { value: b.id }])
      const res = await h.scim(
        'PATCH',
        `/Groups/${g.id}`,
        patch({ op: 'replace', path: 'members', value: [{ value: b.id }, { value: c.id }] }),
      )
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await membersOf(g.id), sorted(b.id, c.id))
    })

    test('PATCH with several member operations applies them in order, atomically', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }])
      const ok = await h.scim(
        'PATCH',
        `/Groups/${g.id}`,
        patch(
          { op: 'add', path: 'members', value: [{ value: b.id }, { value: c.id }] },
          { op: 'remove', path: `members[value eq "${a.id}"]` },
          { op: 'replace', path: 'displayName', value: 'Reshuffled' },
        ),
      )
      assert.equal(ok.status, 204, ok.text)
      const now = await h.scim('GET', `/Groups/${g.id}`)
      assert.equal(now.body.displayName, 'Reshuffled')
      assert.deepEqual((now.body.members as Ref[]).map((m) => m.value).sort(), sorted(b.id, c.id))

      // The last operation fails: the member removal before it must not stick.
      const failed = await h.scim(
        'PATCH',
        `/Groups/${g.id}`,
        patch(
          { op: 'remove', path: `members[value eq "${b.id}"]` },
          { op: 'add', path: 'members', value: [{ value: 'nobody' }] },
        ),
      )
      assert.equal(failed.status, 400, failed.text)
      assert.deepEqual(await membersOf(g.id), sorted(b.id, c.id))
      assert.equal((await h.scim('GET', `/Groups/${g.id}`)).body.meta.version, now.body.meta.version)
    })

    test('deleting a user removes it from its groups', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([{ value: a.id }, { value: b.id }])
      assert.equal((await h.scim('DELETE', `/Users/${a.id}`)).status, 204)
      assert.deepEqual(await membersOf(g.id), [b.id])
    })

    test('deleting a group removes it from User.groups and from parent groups', async () => {
      const a = await newUser()
      const child = await newGroup([{ value: a.id }])
      const keep = await newGroup([{ value: a.id }])
      const parent = await newGroup([{ value: child.id }, { value: a.id }])
      assert.equal((await h.scim('DELETE', `/Groups/${child.id}`)).status, 204)
      assert.deepEqual((await groupsOf(a.id)).map((g) => g.value), sorted(keep.id, parent.id))
      assert.deepEqual(await membersOf(parent.id), [a.id])
      assert.equal((await h.scim('GET', `/Groups/${child.id}`)).status, 404)
    })

    test('concurrency: 20 parallel PATCHes adding different members to one group keep all 20', async () => {
      const users = await Promise.all(Array.from({ length: 20 }, () => newUser()))
      const g = await newGroup()
      const results = await Promise.all(
        users.map((u) => h.scim('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] }))),
      )
      for (const r of results) assert.equal(r.status, 204, r.text)
      assert.deepEqual(await membersOf(g.id), sorted(...users.map((u) => u.id)))
      const final = await h.scim('GET', `/Groups/${g.id}`)
      assert.equal(final.body.meta.version, 'W/"21"')
    })

    test('concurrency: deleting a user while it is being added to groups leaves no dangling member', async () => {
      const u = await newUser()
      const groups = await Promise.all(Array.from({ length: 6 }, () => newGroup()))
      const results = await Promise.all([
        ...groups.map((g) => h.scim('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] }))),
        h.scim('DELETE', `/Users/${u.id}`),
      ])
      for (const r of results) assert.ok([204, 400].includes(r.status), `${r.status} ${r.text}`)
      for (const g of groups) assert.deepEqual(await membersOf(g.id), [])
    })

    test('a PATCH adding 300 members at once is applied in full', async () => {
      const ops = Array.from({ length: 300 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `m${i}`, data: user(`bulk.member.${i}@example.com`) }))
      const created = await h.scim('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops })
      assert.equal(created.status, 200, created.text.slice(0, 500))
      const ids = (created.body.Operations as { location: string }[]).map((r) => r.location.split('/').pop()!)
      assert.equal(ids.length, 300)
      const g = await newGroup()
      const res = await h.scim('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }))
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await membersOf(g.id), sorted(...ids))
      const page = await h.scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${ids[299]}"`)}&excludedAttributes=members`)
      assert.deepEqual(page.body.Resources.map((x: { id: string }) => x.id), [g.id])
    })

    test('concurrency: 10 parallel POSTs of one userName give exactly one 201 and nine 409 uniqueness', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => h.scim('POST', '/Users', user(i % 2 ? 'Racer@Example.com' : 'racer@example.com'))),
      )
      const statuses = results.map((r) => r.status).sort()
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409], results.map((r) => r.text).join('\n'))
      for (const r of results.filter((x) => x.status === 409)) {
        assert.equal(r.body.scimType, 'uniqueness')
        assert.equal(r.body.status, '409')
      }
      const list = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "racer@example.com"')}`)
      assert.equal(list.body.totalResults, 1)
    })

    test('displayName is required: 400 invalidValue', async () => {
      const res = await h.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], members: [] })
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
      assert.match(res.body.detail, /displayName/)
    })
  })
}

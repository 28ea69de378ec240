/**
 * The admin API's SCIM groups for the UI, on every store: the list (SCIM filter, sort, cursor
 * pages), one group with its member count and linked teams, its members a page at a time, and
 * the previews of linking and unlinking a team. What a page of a big group costs is counted in
 * statements, not timed: it is the same for 2,000 members as for 20.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import type { Store } from '../../../src/store/contract.js'
import type { Statement } from '../../../src/store/sql/statement.js'
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { STORES, group, user } from '../../helpers/harness.js'
import { testPostgres } from '../../helpers/test-postgres.js'
import { startAdmin, walk, type AdminHarness } from './admin-harness.js'

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const postgres = await testPostgres()

for (const { name, open } of STORES) {
  describe(`admin API: SCIM groups and team link previews [${name}]`, () => {
    let h: AdminHarness
    const users: string[] = []
    const groups: Record<string, string> = {}

    before(async () => {
      h = await startAdmin(open)
      for (const n of ['ada', 'bob', 'cy', 'dee']) {
        const res = await h.scim('POST', '/Users', user(`${n}@acme.example`, { displayName: n.toUpperCase() }))
        assert.equal(res.status, 201, res.text)
        users.push(res.body.id)
      }
      for (const [n, members] of [['Engineering', [0, 1, 2]], ['Design', [3]], ['eng-leads', [0]], ['Empty', []]] as const) {
        const res = await h.scim('POST', '/Groups', group(n, { members: members.map((i) => ({ value: users[i] })) }))
        assert.equal(res.status, 201, res.text)
        groups[n] = res.body.id
      }
      // A nested group is a member too.
      await h.scim('PATCH', `/Groups/${groups.Engineering}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: groups['eng-leads'] }] }] })
    })
    after(() => h.close())

    test('groups are paged by cursor, filtered with SCIM and sorted; a bad filter names its position', async () => {
      const { items, pages } = await walk(h, '/tenants/organization:acme/scim-groups?limit=3')
      assert.equal(pages, 2)
      assert.deepEqual(items.map((g) => g.displayName), ['Engineering', 'Design', 'eng-leads', 'Empty'])
      assert.deepEqual(Object.keys(items[0]).sort(), ['created', 'displayName', 'externalId', 'id', 'lastModified'])

      const eng = await h.admin('GET', `/tenants/organization:acme/scim-groups?filter=${encodeURIComponent('displayName sw "eng"')}&sortBy=displayName&sortOrder=descending`)
      assert.equal(eng.status, 200, eng.text)
      assert.deepEqual(eng.body.items.map((g: { displayName: string }) => g.displayName), ['Engineering', 'eng-leads'], 'case-insensitive: "-" sorts before "i"')

      const bad = await h.admin('GET', `/tenants/organization:acme/scim-groups?filter=${encodeURIComponent('displayName eq "x" or userName eq "y"')}`)
      assert.equal(bad.status, 400)
      assert.equal(bad.body.type, 'urn:roster:problem:invalid-filter')
      assert.match(bad.body.detail, /unknown attribute 'userName'.* at position 22/)
      assert.equal((await h.admin('GET', '/tenants/organization:acme/scim-groups?sortBy=members')).status, 400)
    })

    test('one group: its attributes, member count and linked teams; unknown, a user or another tenant is 404', async () => {
      const res = await h.admin('GET', `/tenants/organization:acme/scim-groups/${groups.Engineering}`)
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.resource.displayName, 'Engineering')
      assert.equal(res.body.resource.members, undefined, 'members are paged, not embedded')
      assert.equal(res.body.memberCount, 4)
      assert.deepEqual(res.body.teams, [])
      assert.equal((await h.admin('GET', `/tenants/organization:acme/scim-groups/${groups.Empty}`)).body.memberCount, 0)

      assert.equal((await h.admin('GET', '/tenants/organization:acme/scim-groups/nosuch')).status, 404)
      assert.equal((await h.admin('GET', `/tenants/organization:acme/scim-groups/${users[0]}`)).status, 404)
      assert.equal((await h.admin('GET', `/tenants/organization:acme/scim-groups/${users[0]}/members`)).status, 404)
      const { scimToken } = await h.enterprise('initech')
      const theirs = (await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/initech/Groups', group('theirs'))).body
      assert.equal((await h.admin('GET', `/tenants/organization:acme/scim-groups/${theirs.id}`)).status, 404)
      assert.equal((await h.admin('GET', `/tenants/organization:acme/scim-groups/${theirs.id}/members`)).status, 404)
      assert.ok(!(await walk(h, '/tenants/organization:acme/scim-groups')).items.some((g) => g.id === theirs.id))
      // A tenant's admin token reaches its own groups only: acme's are not found, by list or by id.
      const { token: theirToken } = await issueAdminToken(h.store, { tenant: (await h.store.findTenant('enterprise', 'initech'))! })
      assert.equal((await h.admin('GET', '/tenants/enterprise:initech/scim-groups', undefined, theirToken)).body.items.length, 1)
      for (const path of ['/scim-groups', `/scim-groups/${groups.Engineering}`, `/scim-groups/${groups.Engineering}/members`]) {
        assert.equal((await h.admin('GET', `/tenants/organization:acme${path}`, undefined, theirToken)).status, 404, path)
      }
    })

    test('members come a page at a time in the order they were added, users and groups alike', async () => {
      const { items, pages } = await walk(h, `/tenants/organization:acme/scim-groups/${groups.Engineering}/members?limit=2`)
      assert.equal(pages, 2)
      assert.deepEqual(items, [
        { value: users[0], type: 'User', display: 'ADA' },
        { value: users[1], type: 'User', display: 'BOB' },
        { value: users[2], type: 'User', display: 'CY' },
        { value: groups['eng-leads'], type: 'Group', display: 'eng-leads' },
      ])
      const empty = await h.admin('GET', `/tenants/organization:acme/scim-groups/${groups.Empty}/members`)
      assert.deepEqual(empty.body, { items: [] })

      // A cursor is for its own list: another group's, or an edited one, is refused.
      const first = await h.admin('GET', `/tenants/organization:acme/scim-groups/${groups.Engineering}/members?limit=2`)
      const elsewhere = await h.admin('GET', `/tenants/organization:acme/scim-groups/${groups.Design}/members?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`)
      assert.equal(elsewhere.status, 400)
      assert.equal(elsewhere.body.type, 'urn:roster:problem:invalid-cursor')
      const teamsCursor = (await h.admin('POST', '/tenants/organization:acme/teams', { name: 'cursor-a' })).status
      assert.equal(teamsCursor, 201)
      await h.admin('POST', '/tenants/organization:acme/teams', { name: 'cursor-b' })
      const teamPage = await h.admin('GET', '/tenants/organization:acme/teams?limit=1')
      const foreign = await h.admin('GET', `/tenants/organization:acme/scim-groups/${groups.Engineering}/members?cursor=${encodeURIComponent(teamPage.body.nextCursor)}`)
      assert.equal(foreign.status, 400)
    })

    test('a link preview counts who joins and who leaves, lists the first of each, and changes nothing', async () => {
      // An enterprise: SCIM users have accounts, so teams have members.
      const { scimToken } = await h.enterprise('globex')
      const scim = (method: string, path: string, body?: unknown) => h.scimAs(scimToken, method as 'POST', `/scim/v2/enterprises/globex${path}`, body)
      const ids: string[] = []
      for (const n of ['uma', 'vic', 'wes', 'xia', 'yul']) ids.push((await scim('POST', '/Users', user(`${n}@globex.example`))).body.id)
      const account = async (scimUserId: string) => (await h.admin('GET', `/tenants/enterprise:globex/scim-users/${scimUserId}`)).body.account
      const [uma, vic, wes, xia, yul] = await Promise.all(ids.map(account))
      // yul is in the group but inactive: no account of a suspended user joins a team.
      const g = (await scim('POST', '/Groups', group('platform', { members: [uma, vic, wes, yul].map((a) => ({ value: a.scimUserId })) }))).body
      await scim('PATCH', `/Users/${yul.scimUserId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })
      const team = (await h.admin('POST', '/tenants/enterprise:globex/teams', { name: 'Platform' })).body
      for (const a of [wes, xia]) assert.equal((await h.admin('PUT', `/tenants/enterprise:globex/teams/${team.id}/members/${a.id}`)).status, 204)
      const T = `/tenants/enterprise:globex/teams/${team.id}`

      const preview = await h.admin('GET', `${T}/link-preview?groupId=${g.id}`)
      assert.equal(preview.status, 200, preview.text)
      assert.deepEqual(preview.body, {
        groupId: g.id,
        joining: { count: 2, first: [{ accountId: uma.id, login: uma.login }, { accountId: vic.id, login: vic.login }] },
        leaving: { count: 1, first: [{ accountId: xia.id, login: xia.login }] },
        replaceRequired: true,
      })
      const short = (await h.admin('GET', `${T}/link-preview?groupId=${g.id}&limit=1`)).body
      assert.equal(short.joining.count, 2)
      assert.deepEqual(short.joining.first.map((m: { accountId: string }) => m.accountId), [uma.id])
      assert.equal((await h.admin('GET', `${T}/link-preview?groupId=${g.id}&limit=101`)).status, 400)

      const unchanged = (await h.admin('GET', T)).body
      assert.equal(unchanged.groupId, null)
      assert.equal(unchanged.memberCount, 2)

      // Refused as the link would be.
      assert.equal((await h.admin('GET', `${T}/link-preview?groupId=nosuch`)).status, 400)
      assert.equal((await h.admin('GET', `${T}/link-preview`)).status, 400)
      assert.equal((await h.admin('GET', `/tenants/enterprise:globex/teams/nosuch/link-preview?groupId=${g.id}`)).status, 404)
      assert.equal((await h.admin('GET', `/tenants/organization:acme/teams/${team.id}/link-preview?groupId=${g.id}`)).status, 404)
      const unlinkFirst = await h.admin('GET', `${T}/unlink-preview`)
      assert.equal(unlinkFirst.status, 409)
      assert.match(unlinkFirst.body.detail, /not linked/)

      // The link then does what the preview said: uma, vic and wes are the members.
      assert.equal((await h.admin('POST', `${T}/link`, { groupId: g.id, replace: true })).status, 200)
      const members = await walk(h, `${T}/members`)
      assert.deepEqual(members.items.map((m) => m.accountId).sort(), [uma.id, vic.id, wes.id].sort())
      const same = (await h.admin('GET', `${T}/link-preview?groupId=${g.id}`)).body
      assert.deepEqual([same.joining.count, same.leaving.count], [0, 0], 'linking again changes nothing')
      const other = (await scim('POST', '/Groups', group('other'))).body
      assert.equal((await h.admin('GET', `${T}/link-preview?groupId=${other.id}`)).status, 409)

      // The group page names the team linked to it.
      const detail = (await h.admin('GET', `/tenants/enterprise:globex/scim-groups/${g.id}`)).body
      assert.deepEqual(detail.teams, [{ id: team.id, name: 'Platform' }])
      assert.equal(detail.memberCount, 4)

      const unlink = await h.admin('GET', `${T}/unlink-preview?limit=2`)
      assert.equal(unlink.status, 200, unlink.text)
      assert.equal(unlink.body.leaving.count, 3)
      assert.deepEqual(unlink.body.leaving.first.map((m: { accountId: string }) => m.accountId), [uma.id, vic.id])
      assert.deepEqual(unlink.body.joining, { count: 0, first: [] })
      assert.equal((await h.admin('GET', T)).body.groupId, g.id, 'the preview left the link alone')
      assert.equal((await h.admin('POST', `${T}/unlink`)).status, 200)
      assert.equal((await h.admin('GET', T)).body.memberCount, 0)
    })
  })
}

/** The statement ends in LIMIT `n`: inlined (SQLite) or bound (PostgreSQL). */
function limitedTo(s: Statement, n: number): boolean {
  const limit = / LIMIT (\S+)$/.exec(s.sql)?.[1]
  if (limit === undefined) return false
  return limit === String(n) || (/^\$\d+$/.test(limit) && s.params[Number(limit.slice(1)) - 1] === n)
}

/** Each store opened with an observer the test switches on around the request it measures. */
const OBSERVED: { name: string; open: (observe: (s: Statement) => void) => Promise<Store> }[] = [
  { name: 'sqlite', open: async (observe) => SqliteStore.open(':memory:', { observe }) },
  ...(postgres.available ? [{ name: 'postgres', open: (observe: (s: Statement) => void) => postgres.postgres.openStore({ observe }) }] : []),
]

for (const { name, open } of OBSERVED) {
  describe(`a big group's member pages, counted in statements [${name}]`, () => {
    let h: AdminHarness
    let recording: Statement[] | undefined

    /** A group of `size` users, written straight to the store (a SCIM call per user would be slow). */
    const bigGroup = async (label: string, size: number) => {
      const ts = h.store.forTenant(h.tenant)
      const at = new Date().toISOString()
      const groupId = `${label}-group`
      await ts.transaction(async (tx) => {
        for (let i = 0; i < size; i++) {
          await tx.insert({ id: `${label}-${i}`, resourceType: 'User', created: at, lastModified: at, document: { schemas: [USER_SCHEMA], userName: `${label}-${i}@acme.example` } })
        }
        await tx.insert({ id: groupId, resourceType: 'Group', created: at, lastModified: at, document: { schemas: [GROUP_SCHEMA], displayName: label } })
        await tx.addMembers(groupId, Array.from({ length: size }, (_, i) => ({ value: `${label}-${i}`, type: 'User' as const })))
      })
      return groupId
    }

    /** The statements a request runs, but the tenant and token reads an endpoint refreshes on a clock. */
    const statementsOf = async (path: string) => {
      recording = []
      const res = await h.admin('GET', path)
      const seen = recording
      recording = undefined
      assert.equal(res.status, 200, res.text)
      return { body: res.body, statements: seen.filter((s) => !/\bFROM (tenants|tokens)\b|\badmin_tokens\b/.test(s.sql)) }
    }

    before(async () => {
      h = await startAdmin(() => open((s) => recording?.push(s)))
    })
    after(() => h.close())

    test('a page and the count of a 2,000-member group run the statements of a 20-member one, each bounded', async () => {
      const small = await bigGroup('small', 20)
      const large = await bigGroup('large', 2_000)
      const G = '/tenants/organization:acme/scim-groups'

      const smallPage = await statementsOf(`${G}/${small}/members?limit=10`)
      const largePage = await statementsOf(`${G}/${large}/members?limit=10`)
      assert.deepEqual(largePage.statements.map((s) => s.sql), smallPage.statements.map((s) => s.sql))
      assert.equal(largePage.body.items.length, 10)
      const reads = largePage.statements.filter((s) => /\bFROM memberships\b/.test(s.sql))
      assert.equal(reads.length, 1, 'one read of the membership index per page')
      assert.match(reads[0]!.sql, /ORDER BY m\.seq LIMIT/)
      assert.ok(limitedTo(reads[0]!, 10), 'the page size bounds the read')

      // A later page: the same one bounded statement, from the cursor's position.
      const next = await statementsOf(`${G}/${large}/members?limit=10&cursor=${encodeURIComponent(largePage.body.nextCursor)}`)
      assert.equal(next.body.items[0].value, 'large-10')
      assert.equal(next.statements.filter((s) => /\bFROM memberships\b/.test(s.sql)).length, 1)

      // The group page: its count is one statement returning one row, whatever the size.
      const smallDetail = await statementsOf(`${G}/${small}`)
      const largeDetail = await statementsOf(`${G}/${large}`)
      assert.equal(largeDetail.body.memberCount, 2_000)
      assert.equal(smallDetail.body.memberCount, 20)
      assert.deepEqual(largeDetail.statements.map((s) => s.sql), smallDetail.statements.map((s) => s.sql))
      const counts = largeDetail.statements.filter((s) => /\bFROM memberships\b/.test(s.sql))
      assert.equal(counts.length, 1)
      assert.match(counts[0]!.sql, /^SELECT count\(\*\)/)

      // Walking it all takes size / limit pages and sees every member once.
      const all = await walk(h, `${G}/${large}/members?limit=500`)
      assert.equal(all.pages, 4)
      assert.equal(new Set(all.items.map((m) => m.value)).size, 2_000)
    })

    test('a link preview reads a count and a bounded first page of each side', async () => {
      const { scimToken } = await h.enterprise('globex')
      const scim = (method: 'POST', path: string, body?: unknown) => h.scimAs(scimToken, method, `/scim/v2/enterprises/globex${path}`, body)
      const ids: string[] = []
      for (let i = 0; i < 30; i++) ids.push((await scim('POST', '/Users', user(`p${i}@globex.example`))).body.id)
      const g = (await scim('POST', '/Groups', group('many', { members: ids.map((value) => ({ value })) }))).body
      const team = (await h.admin('POST', '/tenants/enterprise:globex/teams', { name: 'Big' })).body
      const preview = await statementsOf(`/tenants/enterprise:globex/teams/${team.id}/link-preview?groupId=${g.id}&limit=5`)
      assert.equal(preview.body.joining.count, 30)
      assert.equal(preview.body.joining.first.length, 5)
      const reads = preview.statements.filter((s) => /\bFROM memberships\b/.test(s.sql))
      assert.ok(reads.length > 0)
      for (const s of reads) assert.ok(/^SELECT count\(\*\)/.test(s.sql) || limitedTo(s, 5), `unbounded: ${s.sql}`)
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import { STORES, user } from '../../helpers/harness.js'
import { startAdmin, walk, type AdminHarness } from './admin-harness.js'

const t = '/tenants/organization:acme'

/** The cursor with its position replaced, its signature kept: what a client editing it would send. */
function edited(cursor: string, position: number): string {
  const [body, mac] = cursor.split('.')
  const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'))
  return `${Buffer.from(JSON.stringify({ ...payload, p: position })).toString('base64url')}.${mac}`
}

for (const { name, open } of STORES) {
  describe(`admin API: pagination [${name}]`, () => {
    let h: AdminHarness
    let accountId: string
    let teamId: string
    before(async () => {
      h = await startAdmin(open)
      const ids: string[] = []
      for (const login of ['a1', 'a2', 'a3', 'a4', 'a5']) ids.push((await h.admin('POST', `${t}/accounts`, { login })).body.id)
      accountId = ids[0]!
      for (const kind of ['sessions', 'tokens']) {
        for (let i = 0; i < 3; i++) await h.admin('POST', `${t}/accounts/${accountId}/${kind}`)
      }
      teamId = (await h.admin('POST', `${t}/teams`, { name: 'one' })).body.id
      await h.admin('POST', `${t}/teams`, { name: 'two' })
      await h.admin('POST', `${t}/teams`, { name: 'three' })
      for (const id of ids.slice(0, 3)) await h.admin('PUT', `${t}/teams/${teamId}/members/${id}`)
      for (const userName of ['u1@acme.example', 'u2@acme.example', 'u3@acme.example']) {
        await h.scim('POST', '/Users', user(userName, { emails: [{ value: userName, primary: true }] }))
      }
      await h.admin('POST', `${t}/scim-tokens`)
      await h.admin('POST', `${t}/scim-tokens`)
      await h.admin('POST', '/tenants', { kind: 'organization', slug: 'second' })
    })
    after(() => h.close())

    test('every list walked one item a page gives what one page of all gives', async () => {
      const lists = [
        '/tenants',
        `${t}/scim-tokens`,
        `${t}/accounts`,
        `${t}/accounts/ACCOUNT/sessions`,
        `${t}/accounts/ACCOUNT/tokens`,
        `${t}/identities`,
        `${t}/invitations`,
        `${t}/teams`,
        `${t}/teams/TEAM/members`,
        `${t}/outbox`,
        `${t}/email-templates`,
      ]
      for (const template of lists) {
        const path = template.replace('ACCOUNT', accountId).replace('TEAM', teamId)
        const whole = await h.admin('GET', `${path}?limit=500`)
        assert.equal(whole.status, 200, path)
        assert.equal(whole.body.nextCursor, undefined, `${path}: one page holds them all`)
        assert.ok(whole.body.items.length >= 2, `${path} has ${whole.body.items.length} items`)
        const walked = await walk(h, `${path}?limit=1`)
        assert.deepEqual(walked.items, whole.body.items, path)
        assert.equal(walked.pages, whole.body.items.length, `${path}: one item a page, the last page has no nextCursor`)
      }
    })

    test('the default page is 50; pages of 2 walk the accounts in 3 pages', async () => {
      const first = await h.admin('GET', `${t}/accounts`)
      assert.equal(first.body.items.length, 5)
      const walked = await walk(h, `${t}/accounts?limit=2`)
      assert.equal(walked.pages, 3)
      assert.deepEqual(walked.items.map((a) => a.login), ['a1', 'a2', 'a3', 'a4', 'a5'])
    })

    test('garbage, edited and misused cursors: 400 invalid-cursor', async () => {
      const page = (await h.admin('GET', `${t}/accounts?limit=2`)).body
      const cursor: string = page.nextCursor
      const refused = async (path: string, token?: string) => {
        const res = await h.admin('GET', path, undefined, token)
        assert.equal(res.status, 400, `${path}: ${res.text}`)
        assert.equal(res.body.type, 'urn:roster:problem:invalid-cursor')
        return res.body.detail as string
      }
      for (const bad of ['garbage', '.', 'abc.def', `${cursor}x`, cursor.slice(0, -2), edited(cursor, 0), edited(cursor, 4)]) {
        await refused(`${t}/accounts?limit=2&cursor=${encodeURIComponent(bad)}`)
      }
      assert.match(await refused(`${t}/teams?cursor=${encodeURIComponent(cursor)}`), /another list/)
      assert.match(await refused(`${t}/accounts?limit=2&search=a&cursor=${encodeURIComponent(cursor)}`), /other filters/)
      const other = (await issueAdminToken(h.store)).token
      await refused(`${t}/accounts?limit=2&cursor=${encodeURIComponent(cursor)}`, other)
      // The same cursor, unchanged, still works, with a different page size too.
      const next = await h.admin('GET', `${t}/accounts?limit=3&cursor=${encodeURIComponent(cursor)}`)
      assert.deepEqual(next.body.items.map((a: { login: string }) => a.login), ['a3', 'a4', 'a5'])
    })
  })
}

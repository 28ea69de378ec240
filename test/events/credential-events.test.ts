/**
 * Sessions and personal access tokens write events: one per credential made or revoked, and
 * one `credentials.revoked` per account when a suspension revokes all of them at once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { patch, STORES, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'

interface Ev {
  seq: number
  type: string
  resourceType: string | null
  resourceId: string | null
  logEntryId: string | null
  data: Record<string, any>
}

for (const { name, open } of STORES) {
  describe(`session and token events [${name}]`, () => {
    let h: AdminHarness
    let token = ''
    const slug = 'keys'
    const t = `enterprise:${slug}`
    let last = 0

    before(async () => {
      h = await startAdmin(open)
      token = (await h.enterprise(slug)).scimToken
    })
    after(() => h.close())

    /** The events written since the previous call. */
    const newEvents = async (): Promise<Ev[]> => {
      await h.store.sequenceEvents()
      const res = await h.admin('GET', `/tenants/${t}/events?after=${last}&limit=1000`)
      assert.equal(res.status, 200, res.text)
      last = res.body.next
      return res.body.items
    }
    const scimUser = async (userName: string) => {
      const res = await h.scimAs(token, 'POST', `/scim/v2/enterprises/${slug}/Users`, user(userName))
      assert.equal(res.status, 201, res.text)
      const account = (await h.admin('GET', `/tenants/${t}/accounts?limit=200`)).body.items.find((a: any) => a.scimUserId === res.body.id)
      assert.ok(account, 'the SCIM user has an account')
      return { scimId: res.body.id as string, accountId: account.id as string }
    }
    const issue = async (accountId: string, path: 'sessions' | 'tokens', body: unknown = {}) => {
      const res = await h.admin('POST', `/tenants/${t}/accounts/${accountId}/${path}`, body)
      assert.equal(res.status, 201, res.text)
      return res.body as { id: string; secret: string }
    }

    test('creating and revoking a session or a token writes one event each, never with the secret', async () => {
      const { accountId } = await scimUser('grace@keys.example')
      await newEvents()
      const session = await issue(accountId, 'sessions', { name: 'laptop' })
      const pat = await issue(accountId, 'tokens', { name: 'ci', expiresInDays: 30 })
      const made = await newEvents()
      assert.deepEqual(made.map((e) => [e.type, e.resourceType, e.resourceId]), [
        ['session.created', 'Session', session.id],
        ['token.created', 'Token', pat.id],
      ])
      assert.deepEqual(made[0]!.data, { accountId, name: 'laptop', expiresAt: null })
      assert.equal(made[0]!.logEntryId, null, 'made through the admin API: no SCIM log entry')
      assert.equal(made[1]!.data.accountId, accountId)
      assert.equal(typeof made[1]!.data.expiresAt, 'string')
      const text = JSON.stringify(made)
      assert.equal(text.includes(session.secret) || text.includes(pat.secret), false, 'no secret in an event')

      // Verifying one is a read: no event.
      assert.equal((await h.admin('POST', `/tenants/${t}/sessions/verify`, { secret: session.secret })).status, 200)
      assert.deepEqual(await newEvents(), [])

      assert.equal((await h.admin('DELETE', `/tenants/${t}/accounts/${accountId}/sessions/${session.id}`)).status, 204)
      assert.equal((await h.admin('DELETE', `/tenants/${t}/accounts/${accountId}/tokens/${pat.id}`)).status, 204)
      // Revoked already: refused, and no second event.
      assert.equal((await h.admin('DELETE', `/tenants/${t}/accounts/${accountId}/tokens/${pat.id}`)).status, 409)
      const revoked = await newEvents()
      assert.deepEqual(revoked.map((e) => [e.type, e.resourceId]), [
        ['session.revoked', session.id],
        ['token.revoked', pat.id],
      ])
      assert.deepEqual(revoked[1]!.data, { accountId, name: 'ci' })
    })

    test('a SCIM deactivation revokes every credential with ONE credentials.revoked event for the account', async () => {
      const { scimId, accountId } = await scimUser('linus@keys.example')
      for (let i = 0; i < 6; i++) await issue(accountId, i % 2 ? 'tokens' : 'sessions')
      await newEvents()
      const off = await h.scimAs(token, 'PATCH', `/scim/v2/enterprises/${slug}/Users/${scimId}`, patch({ op: 'replace', path: 'active', value: false }))
      assert.equal(off.status, 200, off.text)
      const events = await newEvents()
      const bulk = events.filter((e) => e.type === 'credentials.revoked')
      assert.equal(bulk.length, 1)
      assert.equal(bulk[0]!.resourceType, 'Account')
      assert.equal(bulk[0]!.resourceId, accountId)
      assert.equal(bulk[0]!.data.count, 6)
      assert.equal(bulk[0]!.data.reason, 'suspended')
      assert.equal(typeof bulk[0]!.data.createdUpTo, 'string')
      assert.equal(events.filter((e) => e.type.startsWith('session.') || e.type.startsWith('token.')).length, 0, 'no event per session')
      // Caused by the SCIM PATCH: it names the PATCH's log entry, like the account's event.
      const suspended = events.find((e) => e.type === 'account.suspended')!
      assert.equal(typeof bulk[0]!.logEntryId, 'string')
      assert.equal(bulk[0]!.logEntryId, suspended.logEntryId)

      // Nothing live is left: reactivating and deactivating again says nothing about credentials.
      for (const active of [true, false]) {
        const res = await h.scimAs(token, 'PATCH', `/scim/v2/enterprises/${slug}/Users/${scimId}`, patch({ op: 'replace', path: 'active', value: active }))
        assert.equal(res.status, 200, res.text)
      }
      assert.equal((await newEvents()).filter((e) => e.type === 'credentials.revoked').length, 0)
    })

    test('an admin suspension (of a local account) writes credentials.revoked too', async () => {
      const local = await h.admin('POST', `/tenants/${t}/accounts`, { login: 'ken' })
      assert.equal(local.status, 201, local.text)
      const accountId = local.body.id as string
      await issue(accountId, 'sessions')
      await newEvents()
      const res = await h.admin('POST', `/tenants/${t}/accounts/${accountId}/suspend`)
      assert.equal(res.status, 200, res.text)
      const events = await newEvents()
      assert.deepEqual(
        events.filter((e) => e.type === 'credentials.revoked').map((e) => [e.resourceId, e.data.count, e.data.reason]),
        [[accountId, 1, 'suspended']],
      )
    })
  })
}

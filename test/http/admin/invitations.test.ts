import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { patch, STORES, user } from '../../helpers/harness.js'
import { startAdmin, walk, type AdminHarness } from './admin-harness.js'

const t = '/tenants/organization:acme'

const invited = (userName: string) => user(userName, { emails: [{ value: userName, primary: true }] })

for (const { name, open } of STORES) {
  describe(`admin API: identities and invitations [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    /** The invitation code of the newest invitation email to `recipient`, read through the outbox. */
    async function latestCode(recipient: string): Promise<string> {
      const { items } = await walk(h, `${t}/outbox`)
      const summary = items.filter((m) => m.recipient === recipient && m.template === 'invitation').at(-1)
      const message = (await h.admin('GET', `${t}/outbox/${summary.id}`)).body
      return /roster_inv_[A-Za-z0-9_-]+/.exec(message.text)![0]
    }

    test('a SCIM user in an organization is an unlinked identity with a pending invitation', async () => {
      assert.equal((await h.scim('POST', '/Users', invited('hank@acme.example'))).status, 201)
      const unlinked = (await h.admin('GET', `${t}/identities?state=unlinked`)).body.items
      assert.deepEqual(
        unlinked.map((i: { userName: string; accountId: string | null }) => [i.userName, i.accountId]),
        [['hank@acme.example', null]],
      )
      assert.equal((await h.admin('GET', `${t}/identities?state=linked`)).body.items.length, 0)
      const pending = (await h.admin('GET', `${t}/invitations?state=pending`)).body.items
      assert.equal(pending.length, 1)
      assert.equal(pending[0].email, 'hank@acme.example')
      assert.equal(pending[0].sentCount, 1)
      assert.ok(!('hash' in pending[0]))
    })

    test('resending gives a new code; accepting by the code links the identity to an account', async () => {
      const [invitation] = (await h.admin('GET', `${t}/invitations?state=pending`)).body.items
      const firstCode = await latestCode('hank@acme.example')
      const resent = await h.admin('POST', `${t}/invitations/${invitation.id}/resend`)
      assert.equal(resent.status, 200)
      assert.equal(resent.body.sentCount, 2)
      const secondCode = await latestCode('hank@acme.example')
      assert.notEqual(secondCode, firstCode)

      const stale = await h.admin('POST', `${t}/invitations/accept`, { token: firstCode })
      assert.equal(stale.status, 404)
      const accepted = await h.admin('POST', `${t}/invitations/accept`, { token: secondCode })
      assert.equal(accepted.status, 200, accepted.text)
      assert.equal(accepted.body.invitation.state, 'accepted')
      assert.equal(accepted.body.invitation.id, invitation.id)
      const account = (await h.admin('GET', `${t}/accounts/${accepted.body.accountId}`)).body
      assert.equal(account.login, 'hank@acme.example')
      assert.equal(account.scimManaged, true)
      const linked = (await h.admin('GET', `${t}/identities?state=linked&search=HANK`)).body.items
      assert.equal(linked[0].accountId, account.id)
      assert.equal(linked[0].accountState, 'active')
      assert.equal((await h.admin('POST', `${t}/invitations/accept`, { token: secondCode })).status, 409)
      assert.equal((await h.admin('POST', `${t}/invitations/${invitation.id}/resend`)).status, 409)
    })

    test('accepting by id, and invitations withdrawn when the IdP deactivates the user', async () => {
      assert.equal((await h.scim('POST', '/Users', invited('ivy@acme.example'))).status, 201)
      const jay = (await h.scim('POST', '/Users', invited('jay@acme.example'))).body
      const pending = (await h.admin('GET', `${t}/invitations?state=pending`)).body.items
      const ivy = pending.find((i: { email: string }) => i.email === 'ivy@acme.example')
      const accepted = await h.admin('POST', `${t}/invitations/${ivy.id}/accept`)
      assert.equal(accepted.status, 200)
      assert.equal((await h.admin('GET', `${t}/accounts/${accepted.body.accountId}`)).body.login, 'ivy@acme.example')

      assert.equal((await h.scim('PATCH', `/Users/${jay.id}`, patch({ op: 'replace', path: 'active', value: false }))).status, 200)
      const revoked = (await h.admin('GET', `${t}/invitations?state=revoked`)).body.items
      assert.deepEqual(revoked.map((i: { email: string }) => i.email), ['jay@acme.example'])
      assert.equal((await h.admin('GET', `${t}/invitations?state=accepted`)).body.items.length, 2)
      assert.equal((await h.admin('GET', `${t}/invitations?state=expired`)).body.items.length, 0)
    })
  })
}

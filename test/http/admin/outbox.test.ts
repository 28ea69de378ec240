import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES, user } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

const g = '/tenants/enterprise:globex'

for (const { name, open } of STORES) {
  describe(`admin API: outbox and email templates [${name}]`, () => {
    let h: AdminHarness
    let scimToken: string
    before(async () => {
      h = await startAdmin(open)
      scimToken = (await h.enterprise('globex')).scimToken
    })
    after(() => h.close())

    const provision = (userName: string) =>
      h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/globex/Users', user(userName, { emails: [{ value: userName, primary: true }] }))

    test('templates: the defaults, an override used by the next email, and back to the default', async () => {
      const defaults = (await h.admin('GET', `${g}/email-templates`)).body.items
      assert.deepEqual(defaults.map((x: { name: string; overridden: boolean }) => [x.name, x.overridden]), [
        ['welcome', false],
        ['invitation', false],
      ])
      const own = { subject: 'Welcome to {{tenant}}, {{login}}', text: 'Hi {{displayName}}', html: '<p>Hi {{displayName}}</p>' }
      const put = await h.admin('PUT', `${g}/email-templates/welcome`, own)
      assert.equal(put.status, 200, put.text)
      assert.equal(put.body.overridden, true)
      assert.deepEqual(put.body.values, ['login', 'displayName', 'email', 'tenant'])
      assert.equal((await h.admin('GET', `${g}/email-templates/welcome`)).body.subject, own.subject)

      const unknown = await h.admin('PUT', `${g}/email-templates/welcome`, { ...own, text: 'Your code {{invitationToken}}' })
      assert.equal(unknown.status, 400)
      assert.match(unknown.body.detail, /invitationToken/)
      const missing = await h.admin('PUT', `${g}/email-templates/welcome`, { subject: 'x', text: 'y' })
      assert.equal(missing.body.errors[0].message, "the field 'html' is required")

      assert.equal((await provision('olga@globex.example')).status, 201)
      const sent = (await h.admin('GET', `${g}/outbox`)).body.items
      assert.equal(sent.length, 1)
      assert.equal(sent[0].subject, 'Welcome to globex, olga_globex')
      assert.equal(sent[0].template, 'welcome')
      assert.ok(!('text' in sent[0]) && !('html' in sent[0]), 'listed without bodies')

      assert.equal((await h.admin('DELETE', `${g}/email-templates/welcome`)).status, 204)
      assert.equal((await h.admin('DELETE', `${g}/email-templates/welcome`)).status, 204)
      assert.equal((await h.admin('GET', `${g}/email-templates/welcome`)).body.overridden, false)
    })

    test('outbox: read a message, retry only a failed one', async () => {
      assert.equal((await provision('pete@globex.example')).status, 201)
      const pending = (await h.admin('GET', `${g}/outbox?state=pending`)).body.items
      const message = pending.find((m: { recipient: string }) => m.recipient === 'pete@globex.example')
      const full = (await h.admin('GET', `${g}/outbox/${message.id}`)).body
      assert.match(full.text, /pete_globex/)
      assert.match(full.html, /<strong>pete_globex<\/strong>/)
      const early = await h.admin('POST', `${g}/outbox/${message.id}/retry`)
      assert.equal(early.status, 409)
      assert.match(early.body.detail, /only a failed message/)

      // What the sender does when the mail server refuses a message for good.
      const now = new Date()
      const claimed = await h.store.outboxDelivery.claim(now.toISOString(), new Date(now.getTime() + 60_000).toISOString(), 100)
      for (const m of claimed) {
        const tenant = (await h.store.getTenant(m.tenantId))!
        await h.store.forTenant(tenant).transaction((tx) => tx.outbox.settle(m.id, { state: 'failed', error: '550 mailbox unavailable' }))
      }
      const failed = (await h.admin('GET', `${g}/outbox/${message.id}`)).body
      assert.equal(failed.state, 'failed')
      assert.equal(failed.lastError, '550 mailbox unavailable')
      assert.equal(failed.attempts, 1)

      const retried = await h.admin('POST', `${g}/outbox/${message.id}/retry`)
      assert.equal(retried.status, 200)
      assert.equal(retried.body.state, 'pending')
      assert.equal(retried.body.attempts, 0)
      const stillFailed = (await h.admin('GET', `${g}/outbox?state=failed`)).body.items
      assert.ok(!stillFailed.some((m: { id: string }) => m.id === message.id))
    })
  })
}

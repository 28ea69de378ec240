/**
 * The application tables (accounts, credentials, teams, invitations, outbox, admin tokens) on
 * both stores: tenant isolation at the store boundary, paging, uniqueness, and the outbox's
 * exclusive claims. The lifecycle tests (test/lifecycle/) cover what the services do with them.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { Store, Tenant } from '../../src/store/contract.js'
import type { AccountRecord } from '../../src/store/records/account.js'
import { STORES } from '../helpers/harness.js'

const now = () => new Date().toISOString()

function account(tenant: Tenant, login: string, extra: Partial<AccountRecord> = {}): AccountRecord {
  const at = now()
  return {
    id: randomUUID(),
    tenantId: tenant.id,
    login,
    displayName: login,
    emails: [`${login}@example.com`],
    roles: ['user'],
    state: 'active',
    scimManaged: false,
    scimUserId: null,
    setupOwner: false,
    createdAt: at,
    updatedAt: at,
    suspendedAt: null,
    ...extra,
  }
}

for (const { name, open } of STORES) {
  describe(`application tables [${name}]`, () => {
    let store: Store
    let a: Tenant
    let b: Tenant
    before(async () => {
      store = await open()
      await store.migrate()
      a = await store.createTenant('enterprise', 'alpha', { shortCode: 'alpha' })
      b = await store.createTenant('enterprise', 'beta')
    })
    after(() => store.close())

    test('logins are unique per tenant, without regard to case; another tenant may use the same login', async () => {
      await store.forTenant(a).transaction((tx) => tx.accounts.insert(account(a, 'Mona')))
      await assert.rejects(
        store.forTenant(a).transaction((tx) => tx.accounts.insert(account(a, 'mona'))),
        { status: 409, scimType: 'uniqueness', message: "the login 'mona' is already taken by another account" },
      )
      assert.equal(await store.forTenant(a).transaction((tx) => tx.accounts.insertIfFree(account(a, 'MONA'))), undefined)
      const other = await store.forTenant(b).transaction((tx) => tx.accounts.insert(account(b, 'mona')))
      assert.equal(other.login, 'mona')
    })

    test('a tenant never reaches another tenant’s accounts, credentials, teams, invitations or outbox', async () => {
      const foreign = await store.forTenant(b).transaction(async (tx) => {
        const acct = await tx.accounts.insert(account(b, `foreign-${randomUUID().slice(0, 8)}`))
        await tx.accounts.insertCredential({
          id: randomUUID(),
          tenantId: b.id,
          accountId: acct.id,
          kind: 'session',
          name: 's',
          hash: 'f'.repeat(64),
          hint: 'x',
          createdAt: now(),
          expiresAt: null,
          lastUsedAt: null,
          revokedAt: null,
        })
        const team = await tx.teams.insert({
          id: randomUUID(),
          tenantId: b.id,
          name: 'Foreign',
          description: '',
          parentId: null,
          groupId: null,
          linkedAt: null,
          createdAt: now(),
          updatedAt: now(),
          reconciledAt: null,
          reconcileReport: null,
        })
        await tx.teams.addMember(team.id, acct.id, 'manual', now())
        const invitation = await tx.invitations.insert({
          id: randomUUID(),
          tenantId: b.id,
          scimUserId: 'u',
          email: null,
          state: 'pending',
          hash: 'e'.repeat(64),
          createdAt: now(),
          expiresAt: now(),
          sentCount: 1,
          acceptedAt: null,
          accountId: null,
        })
        const message = randomUUID()
        await tx.outbox.enqueue({ id: message, template: 'welcome', recipient: 'x@y', subject: 's', text: 't', html: 'h', createdAt: now(), accountId: acct.id, invitationId: null })
        return { acct, team, invitation, message }
      })
      await store.forTenant(a).transaction(async (tx) => {
        assert.equal(await tx.accounts.get(foreign.acct.id), undefined)
        assert.equal(await tx.accounts.byLogin(foreign.acct.login!), undefined)
        assert.equal(await tx.accounts.credentialByHash('f'.repeat(64)), undefined)
        assert.deepEqual(await tx.accounts.credentials(foreign.acct.id), [])
        assert.equal(await tx.accounts.revokeCredentials(foreign.acct.id, now()), 0)
        assert.equal(await tx.accounts.update(foreign.acct.id, { state: 'suspended' }, now()), undefined)
        assert.equal(await tx.teams.get(foreign.team.id), undefined)
        assert.equal(await tx.teams.delete(foreign.team.id), false)
        assert.equal(await tx.teams.removeMember(foreign.team.id, foreign.acct.id), false)
        assert.equal((await tx.teams.members(foreign.team.id, { limit: 10 })).items.length, 0)
        assert.equal(await tx.invitations.get(foreign.invitation.id), undefined)
        assert.equal(await tx.invitations.byHash('e'.repeat(64)), undefined)
        assert.equal(await tx.outbox.get(foreign.message), undefined)
        assert.ok((await tx.accounts.list({ limit: 500 })).items.every((x) => x.tenantId === a.id))
      })
      // Nothing of the above changed tenant b's rows.
      const still = await store.forTenant(b).transaction((tx) => tx.teams.members(foreign.team.id, { limit: 10 }))
      assert.equal(still.items.length, 1)
    })

    test('account pages: every account once, in creation order, with search and state filters', async () => {
      const t = await store.createTenant('enterprise', 'paging')
      const logins = Array.from({ length: 7 }, (_, i) => `p${i}`)
      await store.forTenant(t).transaction(async (tx) => {
        for (const login of logins) await tx.accounts.insert(account(t, login, login === 'p3' ? { state: 'suspended' } : {}))
        await tx.accounts.insert(account(t, 'zeta', { displayName: 'Zoë Ångström' }))
      })
      const seen: string[] = []
      let after: number | undefined
      do {
        const page: Awaited<ReturnType<typeof list>> = await list(after)
        seen.push(...page.items.map((x) => x.login!))
        after = page.next
      } while (after !== undefined)
      function list(from: number | undefined) {
        return store.forTenant(t).transaction((tx) => tx.accounts.list({ limit: 3, ...(from !== undefined && { after: from }) }))
      }
      assert.deepEqual(seen, [...logins, 'zeta'])
      const search = await store.forTenant(t).transaction((tx) => tx.accounts.list({ limit: 10, search: 'zoë å' }))
      assert.deepEqual(search.items.map((x) => x.login), ['zeta'])
      const suspended = await store.forTenant(t).transaction((tx) => tx.accounts.list({ limit: 10, state: 'suspended' }))
      assert.deepEqual(suspended.items.map((x) => x.login), ['p3'])
      const percent = await store.forTenant(t).transaction((tx) => tx.accounts.list({ limit: 10, search: '%' }))
      assert.deepEqual(percent.items, [], 'LIKE wildcards in a search are literal')
    })

    test('outbox claims are exclusive: two claimers never take the same message; leases that expire are failed, not resent', async () => {
      const t = await store.createTenant('enterprise', 'mail')
      const ids: string[] = Array.from({ length: 10 }, () => randomUUID())
      await store.forTenant(t).transaction(async (tx) => {
        for (const id of ids) {
          await tx.outbox.enqueue({ id, template: 'welcome', recipient: 'r@x', subject: 's', text: 't', html: 'h', createdAt: '2000-01-01T00:00:00.000Z', accountId: null, invitationId: null })
        }
      })
      const lease = new Date(Date.now() + 60_000).toISOString()
      const [first, second] = await Promise.all([
        store.outboxDelivery.claim(now(), lease, 6),
        store.outboxDelivery.claim(now(), lease, 6),
      ])
      const claimed = [...first!, ...second!].map((m) => m.id).filter((id) => ids.includes(id))
      assert.equal(new Set(claimed).size, claimed.length, 'no message claimed twice')
      assert.ok(claimed.every((id) => ids.includes(id)))
      assert.ok([...first!, ...second!].every((m) => m.state === 'sending' && m.attempts === 1))
      const later = new Date(Date.now() + 120_000).toISOString()
      assert.ok((await store.outboxDelivery.tenantsWithExpiredLeases(later)).includes(t.id))
      const abandoned = await store.forTenant(t).transaction((tx) => tx.outbox.abandonExpiredLeases(later, 'the sender stopped; it may or may not have been sent'))
      assert.deepEqual(abandoned.map((m) => m.id).sort(), claimed.filter((id) => ids.includes(id)).sort())
      const failed = await store.forTenant(t).transaction((tx) => tx.outbox.get(claimed[0]!))
      assert.equal(failed!.state, 'failed')
      assert.match(failed!.lastError!, /may or may not have been sent/)
      const retried = await store.forTenant(t).transaction((tx) => tx.outbox.retry(claimed[0]!, now()))
      assert.equal(retried!.state, 'pending')
      assert.equal(retried!.attempts, 0)
    })

    test('email template overrides are kept with the tenant’s settings and survive settings changes', async () => {
      const t = await store.createTenant('enterprise', 'templates', { shortCode: 'tpl' })
      const scoped = store.forTenant(t)
      await scoped.transaction((tx) => tx.outbox.putTemplate({ name: 'welcome', subject: 'S', text: 'T', html: 'H' }, now()))
      assert.deepEqual(await scoped.transaction((tx) => tx.outbox.template('welcome')), { name: 'welcome', subject: 'S', text: 'T', html: 'H' })
      const read = (await store.getTenant(t.id))!
      assert.equal(read.settings.shortCode, 'tpl')
      assert.equal(await scoped.transaction((tx) => tx.outbox.deleteTemplate('welcome')), true)
      assert.deepEqual(await scoped.transaction((tx) => tx.outbox.templates()), [])
      assert.deepEqual((await store.getTenant(t.id))!.settings, { shortCode: 'tpl' })
    })
  })
}

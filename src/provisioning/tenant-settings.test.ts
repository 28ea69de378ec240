import assert from 'node:assert/strict'
import { test } from 'node:test'
import { changedSettings, defaultShortCode, initialSettings, settingsOf } from './tenant-settings.js'

test('defaults by kind: enterprises and the instance use GitHub logins and require SCIM; organizations neither', () => {
  const enterprise = settingsOf({ kind: 'enterprise', settings: { shortCode: 'acme' } })
  assert.equal(enterprise.loginRule, 'github')
  assert.equal(enterprise.requireScim, true)
  assert.equal(enterprise.deprovisionPolicy, 'suspend')
  assert.equal(enterprise.shortCode, 'acme')
  const org = settingsOf({ kind: 'organization', settings: {} })
  assert.equal(org.loginRule, 'userName')
  assert.equal(org.requireScim, false)
  assert.equal(org.deprovisionPolicy, 'suspend', 'remove is opt-in for every kind')
  assert.equal(settingsOf({ kind: 'instance', settings: {} }).shortCode, null)
})

test('an enterprise gets a short code from its slug; a given one is checked', () => {
  assert.deepEqual(initialSettings('enterprise', 'octo-corp'), { shortCode: 'octocorp' })
  assert.match(defaultShortCode('a'), /^a[0-9a-f]{2}$/)
  assert.deepEqual(initialSettings('organization', 'acme'), {})
  assert.deepEqual(initialSettings('enterprise', 'acme', null), {})
  assert.throws(() => initialSettings('organization', 'acme', 'no'), /shortCode: 'no' is not 3 to 8 letters and digits/)
})

test('changes are checked by name and value; the short code and scimEnabled cannot change here', () => {
  const tenant = { kind: 'enterprise' as const, settings: { shortCode: 'acme' } }
  assert.deepEqual(changedSettings(tenant, { deprovisionPolicy: 'remove', keepEmail: true }), {
    shortCode: 'acme',
    deprovisionPolicy: 'remove',
    keepEmail: true,
  })
  assert.throws(() => changedSettings(tenant, { deprovisionPolicy: 'delete' }), /deprovisionPolicy: expected 'suspend' or 'remove', not "delete"/)
  assert.throws(() => changedSettings(tenant, { shortCode: 'other' }), /fixed when the tenant is created/)
  assert.deepEqual(changedSettings(tenant, { shortCode: 'acme' }), { shortCode: 'acme' })
  assert.throws(() => changedSettings(tenant, { scimEnabled: false }), /own call/)
  assert.throws(() => changedSettings(tenant, { colour: 'red' }), /'colour' is not a tenant setting/)
  assert.throws(() => changedSettings(tenant, { invitationDays: 0 }), /whole number of days from 1 to 90/)
})

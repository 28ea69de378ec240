import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rolesFromScim } from './roles.js'

test('SCIM roles map to account roles in any case, once each; none means user', () => {
  assert.deepEqual(rolesFromScim(undefined), ['user'])
  assert.deepEqual(rolesFromScim([]), ['user'])
  assert.deepEqual(rolesFromScim([{ value: 'User' }, { value: 'ENTERPRISE_OWNER' }, { value: 'user' }]), ['user', 'enterprise_owner'])
  assert.deepEqual(rolesFromScim([{ value: ' billing_manager ', primary: true }]), ['billing_manager'])
})

test('an unknown role or a role without a string value → 400 invalidValue that lists the roles', () => {
  assert.throws(() => rolesFromScim([{ value: 'Admin' }]), {
    status: 400,
    scimType: 'invalidValue',
    message: "roles: 'Admin' is not a role; roles are user, guest_collaborator, enterprise_owner, billing_manager",
  })
  assert.throws(() => rolesFromScim([{ display: 'x' }]), { status: 400 })
})

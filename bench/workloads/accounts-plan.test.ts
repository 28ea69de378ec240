import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseOptions } from '../options.js'
import { enterpriseUsersNeeded } from './accounts-plan.js'
import { deactivateUsersNeeded } from './deactivate.js'
import { patchTarget, teamPatchUsersNeeded } from './team-patch.js'

test('the team link needs the enterprise at --users; the others need their own users', () => {
  const all = parseOptions([])
  assert.equal(enterpriseUsersNeeded(all), 100_000)
  const some = parseOptions(['--only', 'deactivate,team-patch'])
  assert.equal(enterpriseUsersNeeded(some), deactivateUsersNeeded(false) + teamPatchUsersNeeded(400))
  assert.equal(enterpriseUsersNeeded(parseOptions(['--only', 'accounts-create'])), 0)
  assert.equal(enterpriseUsersNeeded(parseOptions(['--only', 'create,lookup'])), 0)
})

test('a small run still gives the deactivation and team PATCH their own users', () => {
  const options = parseOptions(['--users', '300', '--only', 'deactivate,team-patch,team-link'])
  assert.equal(enterpriseUsersNeeded(options), deactivateUsersNeeded(false) + teamPatchUsersNeeded(400))
})

test('team PATCHes go round the groups, each adding the next batch of its group', () => {
  assert.deepEqual(patchTarget(0, 20), { group: 0, batch: 0 })
  assert.deepEqual(patchTarget(19, 20), { group: 19, batch: 0 })
  assert.deepEqual(patchTarget(20, 20), { group: 0, batch: 1 })
  assert.deepEqual(patchTarget(41, 20), { group: 1, batch: 2 })
  // 410 PATCHes over 20 groups: at most 21 per group, so 2,100 users.
  assert.equal(teamPatchUsersNeeded(400), 2_100)
})

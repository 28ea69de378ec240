import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configFromEnv } from './config.js'

test('ROSTER_DATABASE_POOL_SIZE: unset leaves the store its default; a whole number of at least 1 sets it', () => {
  assert.equal(configFromEnv({}).databasePoolSize, undefined)
  assert.equal(configFromEnv({ ROSTER_DATABASE_POOL_SIZE: '' }).databasePoolSize, undefined)
  assert.equal(configFromEnv({ ROSTER_DATABASE_POOL_SIZE: '12' }).databasePoolSize, 12)
  for (const bad of ['0', '-1', '2.5', 'ten']) {
    assert.throws(() => configFromEnv({ ROSTER_DATABASE_POOL_SIZE: bad }), /ROSTER_DATABASE_POOL_SIZE must be a whole number/)
  }
})

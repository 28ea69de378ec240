import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, configFromEnv } from './config.js'

test('ROSTER_DATABASE_POOL_SIZE: unset leaves the store its default; a whole number of at least 1 sets it', () => {
  assert.equal(configFromEnv({}).databasePoolSize, undefined)
  assert.equal(configFromEnv({ ROSTER_DATABASE_POOL_SIZE: '' }).databasePoolSize, undefined)
  assert.equal(configFromEnv({ ROSTER_DATABASE_POOL_SIZE: '12' }).databasePoolSize, 12)
  for (const bad of ['0', '-1', '2.5', 'ten']) {
    assert.throws(() => configFromEnv({ ROSTER_DATABASE_POOL_SIZE: bad }), /ROSTER_DATABASE_POOL_SIZE must be a whole number/)
  }
})

test('ROSTER_PORT: a port number from 0 to 65535', () => {
  assert.equal(configFromEnv({}).port, 8080)
  assert.equal(configFromEnv({ ROSTER_PORT: '0' }).port, 0)
  assert.equal(configFromEnv({ ROSTER_PORT: '65535' }).port, 65535)
  for (const bad of ['65536', '99999', '-1', '80.5', '1e3', '0x50', 'http']) {
    assert.throws(() => configFromEnv({ ROSTER_PORT: bad }), (e: Error) => e instanceof ConfigError && /ROSTER_PORT/.test(e.message))
  }
})

test('ROSTER_PUBLIC_URL: an absolute http(s) URL, without a trailing slash; anything else is refused', () => {
  assert.equal(configFromEnv({}).publicUrl, undefined)
  assert.equal(configFromEnv({ ROSTER_PUBLIC_URL: 'https://scim.example.com/' }).publicUrl, 'https://scim.example.com')
  assert.equal(configFromEnv({ ROSTER_PUBLIC_URL: 'http://10.0.0.5:8080' }).publicUrl, 'http://10.0.0.5:8080')
  assert.equal(configFromEnv({ ROSTER_PUBLIC_URL: 'https://example.com/roster//' }).publicUrl, 'https://example.com/roster')
  for (const bad of ['scim.example.com', 'localhost:8080', '//scim.example.com', 'ftp://scim.example.com', 'https://u:p@scim.example.com', 'https://scim.example.com/?a=1']) {
    assert.throws(
      () => configFromEnv({ ROSTER_PUBLIC_URL: bad }),
      (e: Error) => e instanceof ConfigError && e.message.startsWith('ROSTER_PUBLIC_URL must be an absolute http(s) URL') && e.message.endsWith(`got '${bad}'`),
      bad,
    )
  }
})

test('ROSTER_TRUST_PROXY: true/1 or false/0/unset; a typo is refused, not read as false', () => {
  assert.equal(configFromEnv({}).trustProxy, false)
  for (const yes of ['true', '1']) assert.equal(configFromEnv({ ROSTER_TRUST_PROXY: yes }).trustProxy, true)
  for (const no of ['false', '0', '']) assert.equal(configFromEnv({ ROSTER_TRUST_PROXY: no }).trustProxy, false)
  for (const bad of ['yes', 'TRUE', 'on']) assert.throws(() => configFromEnv({ ROSTER_TRUST_PROXY: bad }), ConfigError)
})

test('ROSTER_LOG_LEVEL: one of the logger levels', () => {
  assert.equal(configFromEnv({}).logLevel, 'info')
  assert.equal(configFromEnv({ ROSTER_LOG_LEVEL: 'warn' }).logLevel, 'warn')
  assert.throws(() => configFromEnv({ ROSTER_LOG_LEVEL: 'loud' }), /ROSTER_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/)
})

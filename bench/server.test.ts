import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isLoopback, serveArgs, targetEndpoint } from './server.js'

test('only loopback addresses count as this machine', () => {
  for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://[::1]:80/', 'http://127.1.2.3/']) {
    assert.ok(isLoopback(new URL(url)), url)
  }
  for (const url of ['http://10.0.0.1/', 'http://example.com/', 'http://127.0.0.1.example.com/']) {
    assert.ok(!isLoopback(new URL(url)), url)
  }
})

test('a target URL splits into origin and SCIM base path', () => {
  const endpoint = targetEndpoint(new URL('http://127.0.0.1:8080/scim/v2/organizations/acme/'), 'tok')
  assert.equal(endpoint.origin, 'http://127.0.0.1:8080')
  assert.equal(endpoint.basePath, '/scim/v2/organizations/acme')
  assert.equal(endpoint.headers['authorization'], 'Bearer tok')
})

test('serve gets --workers only above 1', () => {
  assert.ok(!serveArgs(8080, 'sqlite:x.db', 1).includes('--workers'))
  assert.deepEqual(serveArgs(8080, 'sqlite:x.db', 2).slice(-2), ['--workers', '2'])
})

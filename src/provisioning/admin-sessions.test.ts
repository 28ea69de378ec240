import assert from 'node:assert/strict'
import { test } from 'node:test'
import { csrfMatches, csrfTokenOf, looksLikeSession, SESSION_PREFIX } from './admin-sessions.js'

const secret = (c: string) => SESSION_PREFIX + c.repeat(43)

test('the CSRF token is derived from the session secret: stable for a session, different for another', () => {
  const a = secret('a')
  assert.equal(csrfTokenOf(a), csrfTokenOf(a))
  assert.notEqual(csrfTokenOf(a), csrfTokenOf(secret('b')))
  assert.match(csrfTokenOf(a), /^[A-Za-z0-9_-]{43}$/)
  assert.ok(!csrfTokenOf(a).includes(a), 'the token does not reveal the secret')
})

test('csrfMatches accepts only the token of that very session', () => {
  const a = secret('a')
  const token = csrfTokenOf(a)
  assert.ok(csrfMatches(a, token))
  assert.ok(!csrfMatches(a, undefined))
  assert.ok(!csrfMatches(a, ''))
  assert.ok(!csrfMatches(a, csrfTokenOf(secret('b'))), "another session's token")
  assert.ok(!csrfMatches(a, token.slice(0, -1)), 'shorter')
  assert.ok(!csrfMatches(a, `${token}x`), 'longer')
  assert.ok(!csrfMatches(a, token.toUpperCase()))
  // Multi-byte text of the same length in characters must not throw (timingSafeEqual wants equal bytes).
  assert.ok(!csrfMatches(a, 'é'.repeat(token.length)))
})

test('session secrets have one shape', () => {
  assert.ok(looksLikeSession(secret('Z')))
  assert.ok(!looksLikeSession(secret('Z').slice(0, -1)))
  assert.ok(!looksLikeSession(`roster_admin_${'a'.repeat(43)}`))
  assert.ok(!looksLikeSession(`${secret('a')};`))
})

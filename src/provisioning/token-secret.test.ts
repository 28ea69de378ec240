import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { generateToken, hashToken, looksLikeToken, sameDigest } from './token-secret.js'

test('hashToken is the hex SHA-256 stored for every token ever issued', () => {
  for (let i = 0; i < 20; i++) {
    const token = generateToken()
    assert.ok(looksLikeToken(token))
    assert.equal(hashToken(token), createHash('sha256').update(token).digest('hex'))
  }
  // A known vector, so a change of algorithm or encoding cannot pass unnoticed.
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})

test('sameDigest compares digests of equal length only', () => {
  const a = hashToken(generateToken())
  assert.ok(sameDigest(a, a))
  assert.ok(!sameDigest(a, hashToken(generateToken())))
  assert.ok(!sameDigest(a, a.slice(0, 62)))
})

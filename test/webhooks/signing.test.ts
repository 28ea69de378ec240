/** Signatures: the specification's reference vector, and the package's verifier on both secrets of a rotation. */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { newSecret, signedHeaders, signingSecrets } from '../../src/provisioning/webhooks/signing.js'

// The vector every Standard Webhooks library is tested against (its "sign function works" case).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

test('the reference vector: our headers carry the expected signature', () => {
  const headers = signedHeaders(VECTOR.id, new Date(VECTOR.timestamp * 1000), VECTOR.payload, [VECTOR.secret])
  assert.deepEqual(headers, { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature })
  // And by hand: HMAC-SHA256 of id.timestamp.payload under the base64-decoded secret.
  const key = Buffer.from(VECTOR.secret.slice('whsec_'.length), 'base64')
  const mac = createHmac('sha256', key).update(`${VECTOR.id}.${VECTOR.timestamp}.${VECTOR.payload}`).digest('base64')
  assert.equal(`v1,${mac}`, VECTOR.signature)
})

test('new secrets are whsec_ and 32 random bytes, and differ', () => {
  const a = newSecret()
  const b = newSecret()
  assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/)
  assert.equal(Buffer.from(a.slice(6), 'base64').length, 32)
  assert.notEqual(a, b)
})

test('during a rotation both secrets sign, and each verifies alone; after the grace period only the new one', () => {
  const old = newSecret()
  const current = newSecret()
  const now = Date.now()
  const endpoint = { secret: current, previousSecret: old, previousSecretExpiresAt: new Date(now + 1000).toISOString() }
  assert.deepEqual(signingSecrets(endpoint, now), [current, old])
  const body = JSON.stringify({ type: 'user.created', timestamp: new Date(now).toISOString(), data: {} })
  const headers = signedHeaders('evt-1', new Date(now), body, signingSecrets(endpoint, now))
  assert.equal(headers['webhook-signature'].split(' ').length, 2)
  for (const secret of [old, current]) assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body))
  assert.throws(() => new Webhook(newSecret()).verify(body, { ...headers }), /No matching signature/)
  assert.deepEqual(signingSecrets(endpoint, now + 1000), [current])
})

import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import { configFromEnv, ConfigError } from '../../src/http/config.js'
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { LocalRateLimiter, leaseSize } from '../../src/http/rate-limit.js'
import { startHarness, STORES, user, type Harness } from '../helpers/harness.js'
import { parseMetrics, total } from './prometheus.js'

describe('rate limit settings', () => {
  test('defaults: generous budgets per token and tenant', () => {
    const { rateLimits } = configFromEnv({})
    assert.equal(rateLimits.token?.rate, 25_000)
    assert.equal(rateLimits.tenant?.rate, 50_000)
  })

  test('the github profile is one setting away; single values override it', () => {
    const github = configFromEnv({ ROSTER_RATE_LIMIT_PROFILE: 'github' })
    assert.equal(github.rateLimits.token?.text, '5,000 requests an hour')
    assert.equal(github.rateLimits.token?.burst, 5000)
    assert.equal(github.concurrency.token, 100)
    const tuned = configFromEnv({ ROSTER_RATE_LIMIT_PROFILE: 'github', ROSTER_RATE_LIMIT_TOKEN: '600/min', ROSTER_RATE_LIMIT_TENANT: 'off' })
    assert.equal(tuned.rateLimits.token?.rate, 10)
    assert.equal(tuned.rateLimits.token?.burst, 600, 'the burst is one period unless set')
    assert.equal(tuned.rateLimits.tenant, undefined)
    const off = configFromEnv({ ROSTER_RATE_LIMIT_PROFILE: 'off' })
    assert.deepEqual([off.rateLimits.token, off.rateLimits.tenant, off.concurrency.tenant], [undefined, undefined, 0])
  })

  test('values Roster cannot use are refused, naming the variable and the value', () => {
    const refused: [Record<string, string>, RegExp][] = [
      [{ ROSTER_RATE_LIMIT_PROFILE: 'gitlab' }, /ROSTER_RATE_LIMIT_PROFILE must be one of default, github, off, got 'gitlab'/],
      [{ ROSTER_RATE_LIMIT_TOKEN: '10/day' }, /ROSTER_RATE_LIMIT_TOKEN must be a number of requests per second, minute or hour .* got '10\/day'/],
      [{ ROSTER_RATE_LIMIT_TENANT: '0/s' }, /ROSTER_RATE_LIMIT_TENANT must be .* got '0\/s'/],
      [{ ROSTER_RATE_LIMIT_TOKEN_BURST: '0' }, /ROSTER_RATE_LIMIT_TOKEN_BURST must be a whole number of at least 1, got '0'/],
      [{ ROSTER_CONCURRENCY_TENANT: '-1' }, /ROSTER_CONCURRENCY_TENANT must be a whole number of at least 0, got '-1'/],
      [{ ROSTER_METRICS_PORT: '70000' }, /ROSTER_METRICS_PORT must be a port number/],
    ]
    for (const [env, message] of refused) assert.throws(() => configFromEnv(env), (e: Error) => e instanceof ConfigError && message.test(e.message))
  })
})

describe('token buckets', () => {
  const limits = { token: { rate: 2, burst: 3, text: '2 requests a second' }, tenant: { rate: 1, burst: 5, text: '' } }
  // Tenants without a `rateLimits` setting: the server's limits apply.
  const T = { id: 'T', settings: {} }
  const U = { id: 'U', settings: {} }

  test('a burst, then one request per 1/rate seconds; a refusal says how long to wait', () => {
    const limiter = new LocalRateLimiter(limits)
    const t0 = 1_000_000
    for (let i = 0; i < 3; i++) assert.equal(limiter.check('a', T, t0), undefined)
    assert.deepEqual(limiter.check('a', T, t0), { budget: 'token', limit: limits.token, retryAfterSeconds: 1 })
    assert.deepEqual(limiter.check('a', T, t0 + 499), { budget: 'token', limit: limits.token, retryAfterSeconds: 1 })
    assert.equal(limiter.check('a', T, t0 + 500), undefined, 'half a second refills one token at 2/s')
    // Another token of the same tenant has its own bucket, but the tenant's is nearly spent.
    assert.equal(limiter.check('b', T, t0 + 500), undefined)
    assert.deepEqual(limiter.check('b', T, t0 + 500), { budget: 'tenant', limit: limits.tenant, retryAfterSeconds: 1 })
    assert.deepEqual(limiter.check('b', T, t0 + 500), { budget: 'tenant', limit: limits.tenant, retryAfterSeconds: 1 })
    // Refused by its tenant, a request does not use up its token's budget either.
    const slow = new LocalRateLimiter({ token: { rate: 0.001, burst: 3, text: '' }, tenant: { rate: 1, burst: 1, text: '' } })
    assert.equal(slow.check('c', U, t0), undefined)
    for (let i = 0; i < 5; i++) assert.equal(slow.check('c', U, t0)?.budget, 'tenant')
    assert.equal(slow.check('c', U, t0 + 1000), undefined, "the token's bucket still held 2")
    assert.equal(slow.check('c', U, t0 + 2000), undefined)
    assert.equal(slow.check('c', U, t0 + 3000)?.budget, 'token')
  })

  test('a worker leases a small share of the budget at a time', () => {
    assert.equal(leaseSize({ rate: 2, burst: 3, text: '' }), 1)
    assert.equal(leaseSize({ rate: 25_000, burst: 50_000, text: '' }), 500)
    assert.equal(leaseSize({ rate: 5000 / 3600, burst: 5000, text: '' }), 1)
  })
})

for (const { name, open } of STORES) {
  describe(`rate limits over HTTP [${name}]`, () => {
    let h: Harness
    let admin = ''

    before(async () => {
      h = await startHarness(open, configFromEnv({ ROSTER_RATE_LIMIT_TOKEN: '2/s', ROSTER_RATE_LIMIT_TOKEN_BURST: '3', ROSTER_RATE_LIMIT_TENANT: 'off' }))
      admin = (await issueAdminToken(h.store)).token
    })
    after(() => h.close())

    test('over its budget a token gets 429 with Retry-After, and is served again once it has waited', async () => {
      const created = await h.scim('POST', '/Users', user('limited@example.com'))
      assert.equal(created.status, 201)
      // The burst of 3 holds the create and two reads; a fourth right after is one too many.
      const statuses: number[] = []
      let refused
      for (let i = 0; i < 6 && !refused; i++) {
        const res = await h.scim('GET', `/Users/${created.body.id}`)
        statuses.push(res.status)
        if (res.status === 429) refused = res
      }
      assert.ok(refused, `a 429 came: ${statuses.join(',')}`)
      assert.ok(statuses.filter((s) => s === 200).length >= 2)
      assert.equal(refused.headers['retry-after'], '1')
      assert.equal(refused.body.status, '429')
      assert.deepEqual(refused.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
      assert.match(refused.body.detail, /this token's rate limit of 2 requests a second \(bursts of up to 3\) is used up; retry after 1 second$/)

      await sleep(Number(refused.headers['retry-after']) * 1000)
      assert.equal((await h.scim('GET', `/Users/${created.body.id}`)).status, 200)

      const metrics = await h.raw({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${admin}` } })
      const samples = parseMetrics(metrics.text)
      assert.ok(total(samples, 'roster_rate_limited_total', { budget: 'token' }) >= 1)
      assert.ok(total(samples, 'roster_http_requests_total', { status: '429' }) >= 1)
    })

    test("another token of the tenant has a budget of its own; /healthz and the admin API are not limited", async () => {
      const other = (await issueToken(h.store, h.tenant)).token
      for (let i = 0; i < 3; i++) {
        assert.equal((await h.scim('GET', '/Users?count=1', undefined, { authorization: `Bearer ${other}` })).status, 200)
      }
      for (let i = 0; i < 5; i++) assert.equal((await h.raw({ method: 'GET', url: '/healthz' })).status, 200)
    })
  })

  describe(`a tenant's budget covers all its tokens [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open, configFromEnv({ ROSTER_RATE_LIMIT_TOKEN: 'off', ROSTER_RATE_LIMIT_TENANT: '3/min' }))
    })
    after(() => h.close())

    test('three requests a minute between two tokens, then 429 naming the tenant budget', async () => {
      const other = (await issueToken(h.store, h.tenant)).token
      assert.equal((await h.scim('GET', '/Users')).status, 200)
      assert.equal((await h.scim('GET', '/Users', undefined, { authorization: `Bearer ${other}` })).status, 200)
      assert.equal((await h.scim('GET', '/Users')).status, 200)
      const refused = await h.scim('GET', '/Users', undefined, { authorization: `Bearer ${other}` })
      assert.equal(refused.status, 429)
      assert.match(refused.body.detail, /this tenant's \(all its tokens together\) rate limit of 3 requests a minute/)
      // One token per 20 s refills: the client is told to wait that long, not a fixed second.
      assert.ok(Number(refused.headers['retry-after']) > 1 && Number(refused.headers['retry-after']) <= 20)
    })
  })
}

import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import { ConcurrencyLimiter, type Release } from '../../src/http/concurrency.js'
import { configFromEnv } from '../../src/http/config.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { isScimError, type ScimError } from '../../src/scim/errors.js'
import { startHarness, STORES, user, USER_SCHEMA, type Harness } from '../helpers/harness.js'

const caps = (over: Partial<{ tenant: number; token: number; queue: number; waitMs: number }> = {}) => ({
  tenant: 2,
  token: 0,
  queue: 2,
  waitMs: 60_000,
  ...over,
})

const refusalOf = (fn: () => unknown): ScimError => {
  try {
    fn()
  } catch (e) {
    if (isScimError(e)) return e
    throw e
  }
  assert.fail('not refused')
}

describe('concurrency caps', () => {
  test('up to the cap at once; then a bounded queue, first come first served; beyond it 429', async () => {
    const limiter = new ConcurrencyLimiter(caps())
    const a = limiter.acquire('A', 'x') as Release
    const b = limiter.acquire('A', 'x') as Release
    assert.equal(typeof a, 'function')
    const order: string[] = []
    const third = (limiter.acquire('A', 'x') as Promise<Release>).then((r) => (order.push('third'), r))
    const fourth = (limiter.acquire('A', 'x') as Promise<Release>).then((r) => (order.push('fourth'), r))
    assert.deepEqual(limiter.state('A'), { inFlight: 2, waiting: 2 })
    const refused = refusalOf(() => limiter.acquire('A', 'x'))
    assert.equal(refused.status, 429)
    assert.equal(refused.headers['Retry-After'], '1')
    assert.match(refused.detail, /this tenant has 2 in flight \(at most 2\) and 2 waiting, as many as may wait; retry after 1 second/)
    // Another tenant is not held up by A at all.
    assert.equal(typeof limiter.acquire('B', 'y'), 'function')

    a()
    a() // releasing twice frees one slot, once
    const r3 = await third
    assert.deepEqual(limiter.state('A'), { inFlight: 2, waiting: 1 })
    b()
    const r4 = await fourth
    assert.deepEqual(order, ['third', 'fourth'])
    r3()
    r4()
    assert.deepEqual(limiter.state('A'), { inFlight: 0, waiting: 0 })
  })

  test("a token at its own cap waits, without holding up the tenant's other tokens", async () => {
    const limiter = new ConcurrencyLimiter(caps({ tenant: 3, token: 1 }))
    const x1 = limiter.acquire('A', 'x') as Release
    const x2 = limiter.acquire('A', 'x')
    assert.ok(x2 instanceof Promise, 'x is at its cap')
    const y1 = limiter.acquire('A', 'y')
    assert.equal(typeof y1, 'function', 'y is not behind x')
    x1()
    ;(await x2)()
    ;(y1 as Release)()
    assert.deepEqual(limiter.state('A'), { inFlight: 0, waiting: 0 })
  })

  test('a request that waits too long is answered 503 with Retry-After, and leaves the queue', async () => {
    const limiter = new ConcurrencyLimiter(caps({ tenant: 1, waitMs: 20 }))
    const held = limiter.acquire('A', undefined) as Release
    const waiting = limiter.acquire('A', undefined) as Promise<Release>
    await assert.rejects(waiting, (e: ScimError) => {
      assert.equal(e.status, 503)
      assert.equal(e.headers['Retry-After'], '1')
      assert.match(e.detail, /waited 20 ms for one of this tenant's 1 slots and none came free/)
      return true
    })
    assert.deepEqual(limiter.state('A'), { inFlight: 1, waiting: 0 })
    held()
  })
})

/**
 * A request whose headers have arrived (so it holds its slot: slots are taken before the body
 * is read) and whose body has not: it stays in flight until `finish()`.
 */
const sockets = new Set<Socket>()
// A failed test must not leave the server waiting for bodies that never come.
after(() => {
  for (const s of sockets) s.destroy()
})

function stalled(address: string, path: string, token: string, body: string): { finish(): Promise<number>; socket: Socket } {
  const { hostname, port } = new URL(address)
  const socket = connect(Number(port), hostname)
  sockets.add(socket)
  let answer = ''
  socket.on('data', (d: Buffer) => (answer += d.toString()))
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const half = Math.floor(body.length / 2)
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/scim+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
  )
  return {
    socket,
    async finish() {
      socket.write(body.slice(half))
      await ended
      return Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1])
    },
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await sleep(5)
  assert.ok(check(), `waited in vain for ${what}`)
}

const bulkOf = (prefix: string, n: number) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    Operations: Array.from({ length: n }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${i}`,
      data: { schemas: [USER_SCHEMA], userName: `${prefix}-${i}@example.com` },
    })),
  })

for (const { name, open } of STORES) {
  describe(`one tenant's Bulk storm does not starve another [${name}]`, () => {
    let h: Harness
    let address = ''
    let otherToken = ''

    before(async () => {
      h = await startHarness(open, configFromEnv({ ROSTER_CONCURRENCY_TENANT: '2', ROSTER_CONCURRENCY_QUEUE: '1' }))
      address = await h.app.listen({ port: 0, host: '127.0.0.1' })
      const globex = await createTenant(h.store, 'organization', 'globex')
      otherToken = (await issueToken(h.store, globex)).token
    })
    after(async () => {
      for (const s of sockets) s.destroy()
      await h.close()
    })

    test('the storming tenant holds at most its cap and queue; the other is served meanwhile', async () => {
      const limiter = h.app.concurrency!
      const bulkPath = `${h.base}/Bulk`
      // Two Bulk requests in flight (their bodies still arriving), a third waiting for a slot.
      const storm = [stalled(address, bulkPath, h.token, bulkOf('a1', 50)), stalled(address, bulkPath, h.token, bulkOf('a2', 50))]
      await until(() => limiter.state(h.tenant.id).inFlight === 2, 'two requests in flight')
      const queued = stalled(address, bulkPath, h.token, bulkOf('a3', 50))
      await until(() => limiter.state(h.tenant.id).waiting === 1, 'one request waiting')

      // A fourth finds the queue full: 429 at once, with Retry-After.
      const refused = await fetch(`${address}${h.base}/Users`, { headers: { authorization: `Bearer ${h.token}` } })
      assert.equal(refused.status, 429)
      assert.equal(refused.headers.get('retry-after'), '1')
      assert.match(((await refused.json()) as { detail: string }).detail, /this tenant has 2 in flight \(at most 2, 32 per token\) and 1 waiting, as many as may wait/)

      // The other tenant: as many requests at once as its own cap and queue take, all served while
      // the storm holds its slots.
      const other = await Promise.all(
        [1, 2, 3].map((n) =>
          fetch(`${address}/scim/v2/organizations/globex/Users`, {
            method: 'POST',
            headers: { authorization: `Bearer ${otherToken}`, 'content-type': 'application/scim+json' },
            body: JSON.stringify(user(`globex-${n}@example.com`)),
          }).then((r) => r.status),
        ),
      )
      assert.deepEqual(other, [201, 201, 201])
      assert.deepEqual(limiter.state(h.tenant.id), { inFlight: 2, waiting: 1 }, 'the storm is still held')

      // The storm finishes: every request of it is answered, the queued one once a slot frees.
      const first = await Promise.all(storm.map((s) => s.finish()))
      assert.deepEqual(first, [200, 200])
      assert.equal(await queued.finish(), 200)
      await until(() => limiter.state(h.tenant.id).inFlight === 0, 'every slot freed')
      const listed = await h.scim('GET', '/Users?count=0')
      assert.equal(listed.body.totalResults, 150)
    })

    test('a client that goes away mid-body frees its slot', async () => {
      const limiter = h.app.concurrency!
      const gone = stalled(address, `${h.base}/Users`, h.token, JSON.stringify(user('gone@example.com')))
      await until(() => limiter.state(h.tenant.id).inFlight === 1, 'the request in flight')
      gone.socket.destroy()
      await until(() => limiter.state(h.tenant.id).inFlight === 0, 'its slot freed')
    })
  })
}

/**
 * One delivery request against real receivers: what counts as delivered, what a failure says,
 * and connections kept alive between requests (a stale one replaced, not failed).
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, test } from 'node:test'
import { RESPONSE_EXCERPT_BYTES, send } from '../../src/provisioning/webhooks/send.js'
import { Receiver } from './receiver.js'

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('send', () => {
  const receiver = Receiver.start()
  after(async () => (await receiver).close())

  test('a 2xx is delivered; requests share one kept-alive connection', async () => {
    const r = await receiver
    const before = r.connections
    for (let i = 0; i < 5; i++) {
      const attempt = await send(r.url('/ok'), `msg_${i}`, JSON.stringify({ i }), [SECRET], 5000)
      assert.equal(attempt.ok, true)
      assert.equal(attempt.status, 204)
      assert.equal(attempt.error, null)
    }
    assert.equal(r.at('/ok').length, 5)
    assert.equal(r.connections - before, 1)
    assert.equal(r.at('/ok')[0]!.headers['content-type'], 'application/json')
    assert.equal(r.at('/ok')[0]!.headers['webhook-id'], 'msg_0')
  })

  test('another status, a redirect (not followed), a long answer cut at the excerpt', async () => {
    const r = await receiver
    r.on('/busy', { status: 503 })
    const busy = await send(r.url('/busy'), 'msg_busy', '{}', [SECRET], 5000)
    assert.deepEqual([busy.ok, busy.status, busy.error, busy.response], [false, 503, 'the receiver answered 503', 'answer 1'])

    r.on('/moved', { status: 301, headers: { location: 'https://elsewhere.example/x' } })
    const moved = await send(r.url('/moved'), 'msg_moved', '{}', [SECRET], 5000)
    assert.equal(moved.ok, false)
    assert.match(moved.error!, /redirected to https:\/\/elsewhere\.example\/x; redirects are not followed/)

    // 'é' is two bytes: the limit falls inside one, which becomes U+FFFD.
    r.on('/long', { status: 200, body: `${'a'.repeat(RESPONSE_EXCERPT_BYTES - 1)}é${'b'.repeat(100_000)}` })
    const long = await send(r.url('/long'), 'msg_long', '{}', [SECRET], 5000)
    assert.equal(long.ok, true)
    assert.equal(long.response, `${'a'.repeat(RESPONSE_EXCERPT_BYTES - 1)}\uFFFD`)
  })

  test('no answer in time, and no receiver at all, are failures in words', async () => {
    const r = await receiver
    r.on('/held', { hold: true })
    const held = await send(r.url('/held'), 'msg_held', '{}', [SECRET], 200)
    assert.deepEqual([held.ok, held.status, held.error], [false, null, 'no answer within 200 ms'])
    r.release()

    const closed = createServer()
    const url = await listening(closed)
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const refused = await send(`${url}/gone`, 'msg_gone', '{}', [SECRET], 5000)
    assert.deepEqual([refused.ok, refused.status, refused.error], [false, null, 'could not reach the receiver: ECONNREFUSED'])
  })

  test('a kept-alive connection the receiver dropped is replaced: the request goes out on a new one', async () => {
    // Answers the first request of each connection; on a second one drops the connection
    // unanswered, as a receiver that closed an idle connection just as the request came.
    const perConnection = new WeakMap<object, number>()
    let connections = 0
    let answered = 0
    const dropping = createServer((req, res) => {
      const n = (perConnection.get(req.socket) ?? 0) + 1
      perConnection.set(req.socket, n)
      req.resume()
      if (n > 1) {
        req.socket.destroy()
        return
      }
      req.on('end', () => {
        answered++
        res.writeHead(204).end()
      })
    })
    dropping.on('connection', () => connections++)
    const url = await listening(dropping)
    try {
      for (let i = 0; i < 3; i++) {
        const attempt = await send(`${url}/drop`, `msg_${i}`, '{}', [SECRET], 5000)
        assert.equal(attempt.ok, true, attempt.error ?? '')
      }
      assert.equal(answered, 3)
      assert.equal(connections, 3)
    } finally {
      dropping.closeAllConnections()
      await new Promise<void>((resolve) => dropping.close(() => resolve()))
    }
  })
})

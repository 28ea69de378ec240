import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { configFromEnv } from '../../src/http/config.js'
import { STORES, startHarness, type Harness } from '../helpers/harness.js'
import { eventually, exchange, parseResponses, startListening, type Listening, type RawResponse } from './listening.js'

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
const BASE = '/scim/v2/organizations/acme'

function scimError(res: { status: number; body: any; headers: Record<string, unknown> }, status: number) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
  assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
  assert.equal(res.body.status, String(status))
  assert.equal(typeof res.body.detail, 'string')
}

/** A raw-socket answer: exactly one SCIM error, `Connection: close`, and the server hung up. */
function closedWith(exchanged: { received: string; closedByServer: boolean }, status: number): RawResponse {
  assert.ok(exchanged.closedByServer, `the server kept the connection open; it sent ${JSON.stringify(exchanged.received)}`)
  const responses = parseResponses(exchanged.received)
  assert.equal(responses.length, 1, exchanged.received)
  const [response] = responses as [RawResponse]
  scimError(response, status)
  assert.equal(response.headers.connection, 'close')
  return response
}

test('ROSTER_REQUEST_TIMEOUT_MS sets the request time limit: 60 s unless set, at least 1 ms', () => {
  assert.equal(configFromEnv({}).requestTimeoutMs, 60_000)
  assert.equal(configFromEnv({ ROSTER_REQUEST_TIMEOUT_MS: '1500' }).requestTimeoutMs, 1500)
  for (const bad of ['0', '-1', 'soon']) {
    assert.throws(() => configFromEnv({ ROSTER_REQUEST_TIMEOUT_MS: bad }), /ROSTER_REQUEST_TIMEOUT_MS must be a whole number/)
  }
})

for (const { name, open } of STORES) {
  describe(`errors before routing are SCIM errors [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('a URL path that is not percent-encoded UTF-8: 400 SCIM error, wherever it points', async () => {
      for (const path of [`${BASE}/Users/%ff`, `${BASE}/Users/%`, `${BASE}/Groups/%zz`, '/scim/v2/organizations/%ff/Users', '/nowhere/%e0%80']) {
        const res = await h.raw({ method: 'GET', url: path, headers: { authorization: `Bearer ${h.token}` } })
        scimError(res, 400)
        assert.match(res.body.detail, /^the URL is not valid: its path is not percent-encoded UTF-8/, path)
        assert.ok(res.body.detail.endsWith(path), res.body.detail)
      }
    })

    test('an id longer than any the router matches is 404 (no such resource), not 414', async () => {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
        const res = await h.scim(method, `/Users/${'a'.repeat(300)}`)
        scimError(res, 404)
        assert.match(res.body.detail, /^no such resource: no tenant, resource or schema has a name longer than 256 characters/)
      }
      // Shorter ids are routed, authenticated and looked up as any other.
      scimError(await h.scim('GET', `/Users/${'a'.repeat(200)}`), 404)
      scimError(await h.raw({ method: 'GET', url: `${BASE}/Users/${'a'.repeat(200)}` }), 401)
    })
  })

  describe(`Node's parser, timers and sockets: SCIM errors, Connection: close [${name}]`, () => {
    let s: Listening
    before(async () => {
      s = await startListening(open, { requestTimeoutMs: 1000 })
    })
    after(() => s.close())

    const post = (token: string, length: number) =>
      `POST ${BASE}/Users HTTP/1.1\r\nHost: roster.test\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/scim+json\r\nContent-Length: ${length}\r\n\r\n`

    test('a request line over 16 KB: 431', async () => {
      const exchanged = await exchange(s.port, (socket) =>
        socket.write(`GET ${BASE}/Users?filter=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: roster.test\r\n\r\n`),
      )
      const response = closedWith(exchanged, 431)
      assert.match(response.body.detail, /larger than the 16384 bytes/)
    })

    test('text that is not HTTP: 400', async () => {
      closedWith(await exchange(s.port, (socket) => socket.write('HELLO roster\r\n\r\n')), 400)
    })

    test('a body that stalls after 5 of 1000 bytes: 408 once the limit passes, and the socket is closed', async () => {
      const exchanged = await exchange(s.port, (socket) => socket.write(`${post(s.token, 1000)}{"use`))
      const response = closedWith(exchanged, 408)
      assert.equal(response.body.detail, 'the request was not received whole within 1 s; send it again')
    })

    test('a body that trickles in a byte at a time: the limit is on the whole request, so 408 too', async () => {
      let timer: NodeJS.Timeout | undefined
      const exchanged = await exchange(s.port, (socket) => {
        socket.write(post(s.token, 1000))
        timer = setInterval(() => socket.writable && socket.write(' '), 100)
      })
      clearInterval(timer)
      closedWith(exchanged, 408)
    })

    test('headers that stall: 408', async () => {
      closedWith(await exchange(s.port, (socket) => socket.write(`GET ${BASE}/Users HTTP/1.1\r\nHost: roster.test\r\n`)), 408)
    })

    test('a request refused before its body was read (401) gets no second answer when the body stalls', async () => {
      const exchanged = await exchange(s.port, (socket) => socket.write(`${post('roster_nope', 1000)}{"use`))
      assert.ok(exchanged.closedByServer, 'the stalled request is still timed out')
      const responses = parseResponses(exchanged.received)
      assert.deepEqual(responses.map((r) => r.status), [401])
    })

    test('requests sent in time are unaffected, several on one connection', async () => {
      const body = JSON.stringify({ userName: `in.time.${name}@example.com` })
      const get = `GET ${BASE}/Users?count=1 HTTP/1.1\r\nHost: roster.test\r\nAuthorization: Bearer ${s.token}\r\n\r\n`
      const last = get.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')
      const exchanged = await exchange(s.port, (socket) => socket.write(`${post(s.token, Buffer.byteLength(body))}${body}${last}`))
      assert.ok(exchanged.closedByServer)
      assert.deepEqual(parseResponses(exchanged.received).map((r) => r.status), [201, 200])
    })

    test('a client that aborts its upload is logged at info, never as an error', async () => {
      const before = s.logs.length
      const aborts = 20
      for (let i = 0; i < aborts; i++) {
        await exchange(s.port, (socket) => {
          socket.write(`${post(s.token, 1000)}{"userName":"half`)
          setTimeout(() => socket.destroy(), 50)
        })
      }
      const closed = () => s.logs.slice(before).filter((l) => l.msg === 'client closed the connection before its request arrived whole')
      await eventually(() => closed().length === aborts, `${aborts} aborted uploads logged`)
      assert.ok(closed().every((l) => l.level === 30), 'at info level')
      const errors = s.logs.slice(before).filter((l) => l.level >= 50)
      assert.deepEqual(errors, [], 'nothing at error level')
    })
  })
}

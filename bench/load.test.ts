import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { LoadGenerator } from './load.js'
import type { RunSpec } from './run-spec.js'

/** A server answering 200 to everything, counting requests; `onRequest` sees each count. */
async function countingServer(onRequest: (count: number) => void) {
  let count = 0
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      onRequest(++count)
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const spec = (origin: string, measureMs: number): RunSpec => ({
  origin,
  headers: {},
  connections: 2,
  pipelining: 1,
  plan: { kind: 'repeat', request: { method: 'GET', path: '/x' } },
  warmup: { requests: 10 },
  measure: { ms: measureMs },
  maxMs: measureMs,
  keepLatencies: true,
  seed: 1,
})

test('a measured phase ends when its signal is aborted, after the warm-up was announced', async () => {
  const stop = new AbortController()
  let measuringAt: number | undefined
  let served = 0
  const server = await countingServer((count) => {
    served = count
    // Fifty requests into the measured phase, whatever the clock says.
    if (measuringAt !== undefined && count === measuringAt + 50) stop.abort()
  })
  const generator = LoadGenerator.start(undefined)
  try {
    // Ten minutes: only the abort can end this phase within the test's lifetime.
    const result = await generator.run(spec(server.origin, 600_000), {
      signal: stop.signal,
      onMeasuring: () => {
        measuringAt = served
      },
    })
    assert.equal(result.warmupRequests, 10)
    assert.ok(measuringAt !== undefined && measuringAt >= 10, `measuring announced after ${measuringAt} requests`)
    // It ended (the phase's own end is ten minutes away), not before the abort; every request
    // the server answered is accounted for, so none went on after the run.
    assert.ok(result.requests >= 50, `${result.requests} measured requests`)
    assert.equal(served, result.warmupRequests + result.requests)
    assert.equal(result.latencies?.length, result.requests)
    assert.equal(result.errors, 0)
  } finally {
    await generator.stop()
    await server.close()
  }
})

test('without keepLatencies no latencies cross the channel', async () => {
  const server = await countingServer(() => {})
  const generator = LoadGenerator.start(undefined)
  try {
    const result = await generator.run({ ...spec(server.origin, 600_000), keepLatencies: false, measure: { requests: 20 } })
    assert.equal(result.requests, 20)
    assert.equal(result.latencies, undefined)
  } finally {
    await generator.stop()
    await server.close()
  }
})

import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'
import pg from 'pg'
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../database-unavailable.js'
import { classifyPostgresError, isConnectionError } from './errors.js'

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code })

test('connection errors: socket codes, SQLSTATEs 57P01/57P02/57P03 and class 08, pg messages', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08006', '08001', '08P01', '53300']) {
    assert.ok(isConnectionError(withCode(code)), code)
  }
  for (const message of [
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
  ]) {
    assert.ok(isConnectionError(new Error(message)), message)
  }
  const aggregate = Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: undefined })
  assert.ok(isConnectionError(aggregate))
})

test('statement errors are not: unique violation, syntax, serialisation failure, ours', () => {
  for (const code of ['23505', '42601', '40001', '40P01', '22P02', '57014']) assert.ok(!isConnectionError(withCode(code)), code)
  assert.ok(!isConnectionError(new TypeError('the transaction has ended')))
  assert.ok(!isConnectionError(null))
  const unique = withCode('23505')
  assert.equal(classifyPostgresError(unique), unique)
})

test('classifyPostgresError wraps once and keeps the cause', () => {
  const cause = withCode('57P01', 'terminating connection due to administrator command')
  const e = classifyPostgresError(cause)
  assert.ok(isDatabaseUnavailable(e))
  assert.equal((e as DatabaseUnavailableError).cause, cause)
  assert.match((e as Error).message, /administrator command/)
  assert.equal(classifyPostgresError(e), e)
})

test('a refused connection, as pg reports it', async () => {
  // A port nothing listens on: bind one, note it, close it.
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', connectionTimeoutMillis: 1000 })
  const error = await client.connect().then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.ok(isConnectionError(error), String(error))
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DatabaseUnavailableError } from '../store/database-unavailable.js'
import { executeBulk, parseBulkRequest } from './bulk.js'
import type { ResourceService } from './resources.js'

const request = (n: number) =>
  parseBulkRequest(
    {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: n }, (_, i) => ({ method: 'POST', bulkId: `b${i}`, path: '/Users', data: { userName: `u${i}` } })),
    },
    { maxOperations: 10 },
  )

test('a database outage is the failing operation\'s 503, earlier results stand, the rest fail at once', async () => {
  let calls = 0
  const users = {
    create: async () => {
      calls++
      if (calls === 3) throw new DatabaseUnavailableError(new Error('connection refused'))
      return { resource: { id: `id${calls}`, version: 1 }, derived: {} }
    },
  } as unknown as ResourceService
  const results = await executeBulk(request(5), { Users: users, Groups: users }, 'https://x/scim/v2')
  assert.deepEqual(
    results.map((r) => r.status),
    ['201', '201', '503', '503', '503'],
  )
  assert.equal(calls, 3, 'no operation is attempted after the outage')
  assert.equal((results[2]!.response as { detail: string }).detail, 'the database is unavailable; retry later')
})

test('errors that are not SCIM errors or outages still propagate (a bug is a 500, not a result)', async () => {
  const users = {
    create: async () => {
      throw new TypeError('bug')
    },
  } as unknown as ResourceService
  await assert.rejects(executeBulk(request(1), { Users: users, Groups: users }, 'https://x/scim/v2'), TypeError)
})

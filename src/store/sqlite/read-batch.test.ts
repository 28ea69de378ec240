import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isScimError } from '../../scim/errors.js'
import { parseFilter } from '../../scim/filter/parse-filter.js'
import { defaultRegistry } from '../../scim/schema/resource-types.js'
import type { NewResource } from '../contract.js'
import { SqliteStore } from './sqlite-store.js'

const USER = defaultRegistry().require('User')

const user = (n: number): NewResource => ({
  id: `u-${n}`,
  resourceType: 'User',
  created: '2024-01-01T00:00:00.000Z',
  lastModified: '2024-01-01T00:00:00.000Z',
  document: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `user${n}` },
})

async function seeded(users: number) {
  const store = SqliteStore.open(':memory:')
  await store.migrate()
  const ts = store.forTenant((await store.findTenant('instance', ''))!)
  await ts.transaction(async (tx) => {
    for (let n = 0; n < users; n++) await tx.insert(user(n))
  })
  return { store, ts }
}

const lookup = (n: number | string) => ({ filter: parseFilter(`userName eq "user${n}"`), startIndex: 1, count: 10 })

describe('SqliteStore: the reads of one event-loop turn run together', () => {
  test('each read gets its own answer, and a failing read fails alone', async () => {
    const { store, ts } = await seeded(50)
    const reads = Array.from({ length: 50 }, (_, n) => ts.list(USER, lookup(n)))
    const bad = ts.list(USER, { filter: parseFilter('nosuch eq "x"'), startIndex: 1, count: 1 })
    const more = [ts.get('User', 'u-7'), ts.groupsOf(['u-1']), ts.list(USER, lookup('none'))]
    await assert.rejects(bad, (e: unknown) => isScimError(e) && e.scimType === 'invalidFilter')
    const results = await Promise.all(reads)
    results.forEach((r, n) => assert.deepEqual(r.resources.map((x) => x.id), [`u-${n}`]))
    const [got, groups, none] = await Promise.all(more)
    assert.equal((got as { id: string }).id, 'u-7')
    assert.deepEqual((groups as Map<string, unknown>).get('u-1'), [])
    assert.equal((none as { totalResults: number }).totalResults, 0)
    await store.close()
  })

  test('a read asked for while a transaction is open waits for it and sees what it committed', async () => {
    const { store, ts } = await seeded(1)
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const writing = ts.transaction(async (tx) => {
      await tx.insert(user(1))
      await held
    })
    await new Promise((r) => setImmediate(r))
    const read = ts.list(USER, lookup(1))
    let answered = false
    void read.then(() => (answered = true))
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    assert.equal(answered, false, 'the read waits while the transaction is open')
    release()
    await writing
    assert.equal((await read).totalResults, 1)
    await store.close()
  })

  test('reads asked for in later turns see writes committed in between', async () => {
    const { store, ts } = await seeded(1)
    assert.equal((await ts.list(USER, lookup(2))).totalResults, 0)
    await ts.transaction((tx) => tx.insert(user(2)))
    assert.equal((await ts.list(USER, lookup(2))).totalResults, 1)
    await store.close()
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { StatementCache } from './statement-cache.js'

function counting(limit: number) {
  const db = new Database(':memory:')
  const prepared: string[] = []
  const prepare = db.prepare.bind(db)
  db.prepare = ((sql: string) => {
    prepared.push(sql)
    return prepare(sql)
  }) as typeof db.prepare
  return { cache: new StatementCache(db, limit), prepared }
}

describe('StatementCache', () => {
  test('prepares each SQL text once while it stays cached', () => {
    const { cache, prepared } = counting(3)
    const first = cache.get('SELECT 1')
    assert.equal(cache.get('SELECT 1'), first)
    cache.get('SELECT 2')
    assert.equal(cache.get('SELECT 1'), first)
    assert.deepEqual(prepared, ['SELECT 1', 'SELECT 2'])
  })

  test('evicts the least recently used, one at a time, and keeps `limit` statements', () => {
    const { cache, prepared } = counting(3)
    for (const n of [1, 2, 3]) cache.get(`SELECT ${n}`)
    cache.get('SELECT 1') // now 2 is the least recently used
    cache.get('SELECT 4')
    assert.equal(cache.size, 3)
    prepared.length = 0
    for (const n of [1, 3, 4]) cache.get(`SELECT ${n}`)
    assert.deepEqual(prepared, [], '1, 3 and 4 stayed')
    cache.get('SELECT 2')
    assert.deepEqual(prepared, ['SELECT 2'], '2 was evicted')
    assert.equal(cache.size, 3)
  })
})

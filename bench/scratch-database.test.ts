import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isPostgresUrl, scratchName, withDatabase } from './scratch-database.js'

test('the scratch database replaces only the database of the URL', () => {
  assert.equal(
    withDatabase('postgres://postgres:secret@127.0.0.1:5432/prod?sslmode=disable', 'roster_bench_42'),
    'postgres://postgres:secret@127.0.0.1:5432/roster_bench_42?sslmode=disable',
  )
  assert.equal(withDatabase('postgres://postgres@127.0.0.1:5432', 'postgres'), 'postgres://postgres@127.0.0.1:5432/postgres')
})

test('scratch names are per process and need no quoting', () => {
  assert.match(scratchName(12345), /^roster_bench_12345$/)
})

test('only postgres URLs get a scratch database', () => {
  assert.ok(isPostgresUrl('postgres://x/y'))
  assert.ok(isPostgresUrl('postgresql://x/y'))
  assert.ok(!isPostgresUrl('sqlite:/tmp/x.db'))
})

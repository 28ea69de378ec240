import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyRequest } from 'fastify'
import { MAX_TOLERANCE_NOTES, noteTolerances } from './context.js'

const notes = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `note ${from + i}`)

test('a request keeps at most MAX_TOLERANCE_NOTES notes and counts the rest, across calls', () => {
  const request = { tolerances: null } as unknown as FastifyRequest
  noteTolerances(request, [])
  assert.equal(request.tolerances, null)
  noteTolerances(request, notes(3))
  assert.deepEqual(request.tolerances, notes(3))
  noteTolerances(request, notes(MAX_TOLERANCE_NOTES, 3))
  assert.deepEqual(request.tolerances, [...notes(MAX_TOLERANCE_NOTES), 'and 3 more'])
  // A Bulk request notes operation by operation: the count goes on growing.
  noteTolerances(request, notes(10_000, 100))
  assert.deepEqual(request.tolerances, [...notes(MAX_TOLERANCE_NOTES), 'and 10003 more'])
})

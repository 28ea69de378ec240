import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseAffinity } from './processes.js'

test("taskset's affinity list is read from its answer", () => {
  assert.equal(parseAffinity("pid 24740's current affinity list: 0,1\n"), '0,1')
  assert.equal(parseAffinity("pid 7's current affinity list: 0-3"), '0-3')
  assert.equal(parseAffinity("pid 7's new affinity list: 0\n"), '0')
  assert.equal(parseAffinity('taskset: failed to get pid 7 affinity: No such process'), undefined)
})

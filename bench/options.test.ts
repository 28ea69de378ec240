import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { parseOptions } from './options.js'

describe('parseOptions', () => {
  test('defaults measure 100,000 users on a fresh Roster', () => {
    const options = parseOptions([])
    assert.equal(options.users, 100_000)
    assert.equal(options.target, undefined)
    assert.equal(options.largeGroup, 10_000)
    assert.deepEqual(options.only, [
      'create',
      'lookup',
      'patch',
      'group-read',
      'walk',
      'cursor',
      'sync',
      'accounts-create',
      'deactivate',
      'team-patch',
      'team-link',
      'events-create',
      'webhook-delivery',
      'feed-read',
    ])
    assert.equal(options.pin, true)
    assert.equal(options.workers, 1)
    assert.equal(options.walk, 'full')
    assert.equal(options.loadWith, 'auto')
    assert.equal(options.syncUsers, 100_000)
    assert.equal(options.syncGroups, 1_000)
  })

  test('a million users samples the walk unless told otherwise', () => {
    assert.equal(parseOptions(['--users', '1000000']).walk, 'sampled')
    assert.equal(parseOptions(['--users', '1000000', '--walk', 'full']).walk, 'full')
  })

  test('the events workloads are selectable alone', () => {
    assert.deepEqual(parseOptions(['--only', 'feed-read,events-create']).only, ['feed-read', 'events-create'])
  })

  test('the old workload name page still selects the walk', () => {
    assert.deepEqual(parseOptions(['--only', 'page,cursor']).only, ['walk', 'cursor'])
  })

  test('--scale needs more users than its first measurement', () => {
    assert.throws(() => parseOptions(['--scale', '--quick']), /--scale: expected --users above 10000/)
    assert.equal(parseOptions(['--scale', '--quick', '--users', '20000']).scale, true)
  })

  test('--quick shrinks the run, explicit flags still win', () => {
    const options = parseOptions(['--quick', '--users', '6000'])
    assert.equal(options.users, 6000)
    assert.equal(options.largeGroup, 1000)
    assert.equal(options.durationMs, 2000)
  })

  test('--target needs a token, from the flag or the environment', () => {
    assert.throws(() => parseOptions(['--target', 'http://127.0.0.1:8080/scim/v2']), /--token/)
    const options = parseOptions(['--target', 'http://127.0.0.1:8080/scim/v2'], { ROSTER_BENCH_TOKEN: 't' })
    assert.equal(options.token, 't')
    assert.equal(options.target?.pathname, '/scim/v2')
  })

  test('rejects what cannot be meant', () => {
    assert.throws(() => parseOptions(['--users', '0']), /--users: expected a positive integer, got '0'/)
    assert.throws(() => parseOptions(['--only', 'lookup,delete']), /unknown workload 'delete'/)
    assert.throws(() => parseOptions(['--target', 'ftp://x/', '--token', 't']), /http or https/)
    assert.throws(() => parseOptions(['--token', 't']), /only for --target/)
    assert.throws(() => parseOptions(['--large-group', '150']), /multiple of 100/)
    assert.throws(() => parseOptions(['--bogus']), /bogus/)
    assert.throws(() => parseOptions(['--load-with', 'fax']), /--load-with/)
    assert.throws(() => parseOptions(['--walk', 'some']), /--walk/)
    assert.throws(() => parseOptions(['--workers', '0']), /--workers/)
    const target = ['--target', 'http://127.0.0.1/s', '--token', 't']
    assert.throws(() => parseOptions([...target, '--workers', '2']), /--workers is for the Roster/)
  })
})

import assert from 'node:assert/strict'
import type { Readable } from 'node:stream'
import { test } from 'node:test'
import { renderResource } from '../provisioning/render.js'
import { GroupJsonWriter } from '../provisioning/render-stream.js'
import { compileProjection } from '../scim/schema/project.js'
import { defaultRegistry } from '../scim/schema/resource-types.js'
import type { Member, MemberPage, MemberPosition, StoredResource } from '../store/contract.js'
import { groupJsonStream } from './group-stream.js'

const project = compileProjection(defaultRegistry().require('Group'))
const BASE = 'https://roster.test/scim/v2'
const group: StoredResource = {
  id: 'g',
  resourceType: 'Group',
  version: 3,
  created: '2024-03-01T00:00:00.000Z',
  lastModified: '2024-03-01T00:00:00.000Z',
  document: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Big' },
}

const PAGE = 1000

/** A group of `pages` pages of members, served from memory; counts the reads after the first. */
function memberSource(pages: number, failAt?: number) {
  const all: Member[] = Array.from({ length: pages * PAGE }, (_, i) => ({ value: `u-${i}`, type: 'User', display: `User ${i}` }))
  const pageAt = (i: number): MemberPage => ({
    members: all.slice(i * PAGE, (i + 1) * PAGE),
    ...(i + 1 < pages && { next: { after: i, until: pages - 1 } }),
  })
  const source = {
    all,
    reads: 0,
    first: pageAt(0),
    next: async (after: MemberPosition): Promise<MemberPage> => {
      source.reads++
      if (source.reads === failAt) throw new Error('connection lost')
      return pageAt(after.after + 1)
    },
  }
  return source
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

async function readAll(stream: Readable): Promise<string> {
  let out = ''
  for await (const chunk of stream) out += (chunk as Buffer).toString('utf8')
  return out
}

test('a stream that is not read does not read pages ahead; read to the end, it is the whole group', async () => {
  const source = memberSource(50)
  const failures: unknown[] = []
  const stream = groupJsonStream(new GroupJsonWriter(group, BASE, project), source.first, source.next, (e) => failures.push(e))
  // A client that took the first chunk and then stopped reading.
  const head = await new Promise<Buffer>((resolve) => stream.once('data', resolve))
  stream.pause()
  await ticks(200)
  assert.ok(source.reads <= 2, `pages read ahead of a stalled reader: ${source.reads}`)
  const body = head.toString('utf8') + (await readAll(stream))
  assert.equal(source.reads, 49)
  assert.equal(body, JSON.stringify(project(renderResource(group, { members: source.all }, BASE))))
  assert.deepEqual(failures, [])
})

test('a page read failing mid-stream errors the stream after reporting it; what was sent is not a whole JSON text', async () => {
  const source = memberSource(5, 3)
  const failures: [unknown, number][] = []
  const stream = groupJsonStream(new GroupJsonWriter(group, BASE, project), source.first, source.next, (e, read) =>
    failures.push([e, read]),
  )
  let received = ''
  stream.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')))
  const error = await new Promise<Error>((resolve) => stream.once('error', resolve))
  assert.equal(error.message, 'connection lost')
  assert.equal(failures.length, 1)
  assert.equal(failures[0]![0], error)
  assert.equal(failures[0]![1], 3 * PAGE)
  assert.throws(() => JSON.parse(received), SyntaxError)
  assert.ok(received.includes('"value":"u-2999"') && !received.includes('"value":"u-3000"'))
})

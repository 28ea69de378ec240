import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { etagOf, type Derived } from '../provisioning/render.js'
import { GroupJsonWriter } from '../provisioning/render-stream.js'
import type { ResourceService } from '../provisioning/resources.js'
import type { Member, MemberPage, MemberPosition, StoredResource } from '../store/contract.js'
import type { ScimContext } from './context.js'
import type { Projection } from './projection.js'
import { sendScim } from './scim-reply.js'

/**
 * Members read per page: one indexed range read, about 200 KB of JSON. A stream holds a page
 * or two (the one being written, the next), whatever the group's size.
 */
export const MEMBER_PAGE_SIZE = 1000

/**
 * Members per chunk written. About 45 KB of JSON: V8 puts strings over 128 KiB in a memory
 * mapping of their own, and those are slower to turn into bytes (docs/design.md, *Reading large
 * groups*, has the measurement).
 */
const CHUNK_MEMBERS = 250

/**
 * `GET /Groups/{id}` with members (RFC 7644 §3.4.1). A group whose members fit in one page is
 * answered like any resource, by `sendWhole`. A larger one is streamed: the attributes before
 * `members`, the members page by page as the client takes them (a slow client stops the
 * reads: the stream is pulled), then `meta`. Only the first page is read before the status
 * line, so a failure after it cannot become an error response: the connection is cut instead,
 * and the client sees a truncated body, never a complete but wrong one.
 */
export async function sendGroupWithMembers(
  reply: FastifyReply,
  context: ScimContext,
  resources: ResourceService,
  group: StoredResource,
  projection: Projection,
  sendWhole: (derived: Derived) => unknown,
) {
  const first = await resources.memberPage(group.id, undefined, MEMBER_PAGE_SIZE)
  if (first.next === undefined) return sendWhole({ members: first.members })
  // A value filter shows some members and not others: the writer's one probe member cannot
  // tell which, so such a (rare) request reads every page and is answered whole.
  if (projection.filtersMembers) return sendWhole({ members: await allMembers(resources, group.id, first) })
  const writer = new GroupJsonWriter(group, context.baseUrl, projection.apply)
  // `attributes=members.unknown` names members but shows none of them.
  if (!writer.showsMembers) return sendWhole({})
  // HEAD: the GET's status and headers, no body. Fastify drains a stream given to a HEAD
  // reply, which would read every page of members only to discard them.
  if (reply.request.method === 'HEAD') return sendScim(reply, 200, Readable.from([]), { ETag: etagOf(group.version) })
  const next = (after: MemberPosition) => resources.memberPage(group.id, after, MEMBER_PAGE_SIZE)
  const body = groupJsonStream(writer, first, next, (error, membersRead) =>
    reply.log.error(
      { err: error, group: group.id, membersRead },
      'reading the members of a group failed after the response began; the response was cut short',
    ),
  )
  return sendScim(reply, 200, body, { ETag: etagOf(group.version) })
}

async function allMembers(resources: ResourceService, groupId: string, first: MemberPage): Promise<Member[]> {
  const members = [...first.members]
  for (let page = first; page.next !== undefined; ) {
    page = await resources.memberPage(groupId, page.next, MEMBER_PAGE_SIZE)
    members.push(...page.members)
  }
  return members
}

/**
 * The group's JSON as a byte stream that reads the next page only when the reader wants more
 * (`Readable.from` pulls the generator): memory holds a page or two, whatever the group's size.
 * A failing read calls `failed` and then errors the stream.
 */
export function groupJsonStream(
  writer: GroupJsonWriter,
  first: MemberPage,
  next: (after: MemberPosition) => Promise<MemberPage>,
  failed: (error: unknown, membersRead: number) => void,
): Readable {
  async function* chunks(): AsyncGenerator<string> {
    yield writer.head()
    let page = first
    let read = 0
    for (;;) {
      read += page.members.length
      for (let i = 0; i < page.members.length; i += CHUNK_MEMBERS) {
        const members = writer.members(page.members.slice(i, i + CHUNK_MEMBERS))
        if (members) yield members
      }
      if (page.next === undefined) break
      try {
        page = await next(page.next)
      } catch (error) {
        failed(error, read)
        throw error
      }
    }
    yield writer.tail()
  }
  return Readable.from(chunks(), { objectMode: false })
}

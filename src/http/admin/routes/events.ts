/** The tenant's durable events: the pull feed, with optional long-poll (docs/events.md). */
import Type, { type Static } from 'typebox'
import { readEvents } from '../../../provisioning/events/feed.js'
import type { Store } from '../../../store/contract.js'
import type { EventRecord } from '../../../store/records/event.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { ERRORS } from '../problem.js'
import { invalidValue } from '../../../scim/errors.js'
import { named, Nullable, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['events']
export const MAX_EVENTS = 1000
export const MAX_WAIT = 60
/** A type filter reads at most this many seqs per answer, so a rare type costs no more than a common one. */
export const TYPE_WINDOW = 10_000

const EventSchema = Type.Object({
  seq: Type.Integer({ description: 'Per tenant, gap-free and increasing; sequence order is commit order' }),
  id: Type.String({ description: 'Unique: a redelivered event has the same id' }),
  type: Type.String({ description: 'e.g. user.created, group.members.added, account.suspended, session.revoked, credentials.revoked (docs/events.md)' }),
  tenantId: Type.String(),
  at: Timestamp,
  resourceType: Nullable(Type.String()),
  resourceId: Nullable(Type.String()),
  requestId: Nullable(Type.String({ description: 'The request whose write caused it' })),
  logEntryId: Nullable(Type.String({ description: 'The provisioning log entry of the write' })),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'changed attributes, the new state, member ids, …' }),
})

const Event = named('Event', EventSchema)

export const eventView = (e: EventRecord): Static<typeof EventSchema> => ({
  seq: e.seq,
  id: e.id,
  type: e.type,
  tenantId: e.tenantId,
  at: e.at,
  resourceType: e.resourceType,
  resourceId: e.resourceId,
  requestId: e.requestId,
  logEntryId: e.logEntryId,
  data: { ...e.data },
})

export function registerEventRoutes(api: AdminScope, store: Store): void {
  api.get(
    '/events',
    {
      schema: {
        tags: TAGS,
        operationId: 'listEvents',
        summary: 'Events after a seq, oldest first; with wait, answers as soon as there is one',
        params: TenantParams({}),
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'The last seq already processed (0: from the start)' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EVENTS, default: 100, description: `Events per answer, 1 to ${MAX_EVENTS}` })),
          wait: Type.Optional(
            Type.Integer({ minimum: 0, maximum: MAX_WAIT, default: 0, description: `Seconds to wait for an event when there is none yet, 0 to ${MAX_WAIT}` }),
          ),
          type: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: `Only events of this type: exact ('user.created') or a wildcard ('user.*'). Looks at the next ${TYPE_WINDOW} seqs at most: \`next\` moves past them even when none matched. Not with wait.`,
            }),
          ),
        }),
        response: {
          200: Type.Object(
            {
              items: Type.Array(Event),
              next: Type.Integer({ description: 'Pass as ?after= next time: the seq of the last item, or `after` when there is none' }),
            },
            { description: 'Events after `after`' },
          ),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { after = 0, limit = 100, wait = 0, type } = request.query
      if (type !== undefined) {
        if (wait > 0) throw invalidValue('type: a filtered read does not wait; leave out wait, or type and filter the events yourself')
        return readOfType(store, tenantOf(request).id, after, limit, type)
      }
      // A client that gives up stops the wait; its connection's close says so.
      const abort = new AbortController()
      const stop = () => abort.abort()
      request.raw.socket?.once('close', stop)
      try {
        const events = await readEvents(store, tenantOf(request).id, { after, limit, waitSeconds: wait }, abort.signal)
        return { items: events.map(eventView), next: events.at(-1)?.seq ?? after }
      } finally {
        request.raw.socket?.off('close', stop)
      }
    },
  )
}

/** As webhook filters take them: `user.created`, `user.*`, `group.members.*` or `*`. */
const TYPE_FILTER = /^(\*|[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*(\.\*)?)$/

/**
 * Events of one type (or wildcard) in a window of TYPE_WINDOW seqs after `after`: bounded
 * work whatever the type's frequency. The window ends at the tenant's last seq read first, as
 * every seq up to it is readable, so `next` never passes an event not yet numbered.
 */
async function readOfType(store: Store, tenantId: string, after: number, limit: number, type: string) {
  if (!TYPE_FILTER.test(type)) throw invalidValue(`type: '${type}' is not an event type; use e.g. 'user.created', 'user.*' or '*'`)
  const last = await store.eventFeed.lastSeq(tenantId)
  const upTo = Math.max(after, Math.min(after + TYPE_WINDOW, last))
  const match = type === '*' ? { prefix: '' } : type.endsWith('.*') ? { prefix: type.slice(0, -1) } : { type }
  const events = await store.eventFeed.listOfType(tenantId, after, upTo, match, limit)
  return { items: events.map(eventView), next: events.length === limit ? events.at(-1)!.seq : upTo }
}

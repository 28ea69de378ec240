/**
 * Around the events feed: the event types Roster records (docs/events.md), so that a client
 * choosing a webhook's filter or filtering the feed picks from the real list rather than
 * guessing at spellings; and a tenant's last seq, so that a reader can start near the newest
 * events (the feed itself only reads forward).
 */
import Type from 'typebox'
import { EVENT_TYPES } from '../../../library/events.js'
import type { Store } from '../../../store/contract.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { ERRORS } from '../problem.js'
import { named, TenantParams } from '../schemas.js'

const EventTypes = named(
  'EventTypes',
  Type.Object({
    types: Type.Array(Type.String(), { description: "Every type, e.g. user.created; a filter may also end in '.*' (user.*) or be '*'" }),
  }),
)

export function registerEventTypeRoutes(api: AdminScope): void {
  api.get(
    '/event-types',
    {
      schema: {
        tags: ['events'],
        operationId: 'listEventTypes',
        summary: 'The types of event Roster records: a fixed vocabulary, the same for every tenant',
        response: { 200: EventTypes, ...ERRORS },
      },
    },
    async () => ({ types: [...EVENT_TYPES] }),
  )
}

export function registerEventHeadRoute(api: AdminScope, store: Store): void {
  api.get(
    '/events/last',
    {
      schema: {
        tags: ['events'],
        operationId: 'getLastEventSeq',
        summary: "The tenant's last event seq (0: none yet); every event up to it can be read",
        params: TenantParams({}),
        response: { 200: Type.Object({ seq: Type.Integer({ minimum: 0 }) }, { description: 'The last seq' }), ...ERRORS },
      },
    },
    async (request) => ({ seq: await store.eventFeed.lastSeq(tenantOf(request).id) }),
  )
}

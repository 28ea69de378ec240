/**
 * The event types Roster records (docs/events.md), so that a client choosing a webhook's
 * filter or filtering the feed picks from the real list rather than guessing at spellings.
 */
import Type from 'typebox'
import { EVENT_TYPES } from '../../../library/events.js'
import type { AdminScope } from '../index.js'
import { ERRORS } from '../problem.js'
import { named } from '../schemas.js'

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

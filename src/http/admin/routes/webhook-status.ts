/**
 * One webhook endpoint at a glance, for the admin UI's list: how far behind it is (events after
 * its cursor, and since when the oldest of them waits), its last attempt and last success, and
 * its dead letters. A handful of bounded reads: one seq lookup, one event by seq, and the
 * newest rows of the delivery log (the dead letters counted up to DEAD_LETTER_CAP, as the
 * tenants list counts errors), so an endpoint with a long log costs no more.
 */
import Type from 'typebox'
import { getEndpoint } from '../../../provisioning/webhooks/endpoints.js'
import type { Store } from '../../../store/contract.js'
import type { WebhookDelivery } from '../../../store/records/webhook.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { ERRORS } from '../problem.js'
import { Key, named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

export const DEAD_LETTER_CAP = 100

const LastAttempt = Type.Object({
  at: Timestamp,
  eventSeq: Type.Integer({ description: '0 for a ping' }),
  eventType: Type.String(),
  kind: OneOf(['event', 'redelivery', 'ping']),
  outcome: OneOf(['delivered', 'failed', 'dead']),
  status: Nullable(Type.Integer()),
})

const WebhookStatus = named(
  'WebhookStatus',
  Type.Object({
    latestSeq: Type.Integer({ description: "The tenant's last event seq" }),
    pending: Type.Integer({ minimum: 0, description: "Events after the endpoint's cursor (some may not match its types: those are skipped, not sent)" }),
    oldestPendingAt: Nullable(Timestamp, 'When the first of those was written; null when none is pending'),
    lastAttempt: Nullable(LastAttempt, 'The newest entry of the delivery log'),
    lastSuccessAt: Nullable(Timestamp, 'The newest delivered (2xx) attempt'),
    deadLetters: Type.Integer({ minimum: 0, maximum: DEAD_LETTER_CAP, description: `Dead-lettered events in the delivery log, counted up to ${DEAD_LETTER_CAP}` }),
    deadLettersCapped: Type.Boolean({ description: `There were more than ${DEAD_LETTER_CAP}` }),
    lastDeadLetterAt: Nullable(Timestamp),
  }),
)

const lastAttemptOf = (d: WebhookDelivery | undefined) =>
  d ? { at: d.at, eventSeq: d.eventSeq, eventType: d.eventType, kind: d.kind, outcome: d.outcome, status: d.status } : null

export function registerWebhookStatusRoutes(api: AdminScope, store: Store): void {
  api.get(
    '/webhooks/:id/status',
    {
      schema: {
        tags: ['webhooks'],
        operationId: 'getWebhookStatus',
        summary: 'An endpoint at a glance: events pending, last attempt and success, dead letters',
        params: TenantParams({ id: Key('The endpoint id') }),
        response: { 200: WebhookStatus, ...ERRORS },
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const endpoint = await getEndpoint(store, tenant, request.params.id)
      const log = (query: { outcome?: WebhookDelivery['outcome']; limit: number }) => store.webhooks.deliveries(tenant.id, endpoint.id, query)
      const [latestSeq, next, latest, success, dead] = await Promise.all([
        store.eventFeed.lastSeq(tenant.id),
        store.eventFeed.list(tenant.id, endpoint.cursor, 1),
        log({ limit: 1 }),
        log({ outcome: 'delivered', limit: 1 }),
        log({ outcome: 'dead', limit: DEAD_LETTER_CAP + 1 }),
      ])
      return {
        latestSeq,
        pending: Math.max(0, latestSeq - endpoint.cursor),
        oldestPendingAt: next[0]?.at ?? null,
        lastAttempt: lastAttemptOf(latest.items[0]),
        lastSuccessAt: success.items[0]?.at ?? null,
        deadLetters: Math.min(dead.items.length, DEAD_LETTER_CAP),
        deadLettersCapped: dead.items.length > DEAD_LETTER_CAP,
        lastDeadLetterAt: dead.items[0]?.at ?? null,
      }
    },
  )
}

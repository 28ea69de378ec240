/**
 * The tenant's webhook endpoints (docs/webhooks.md): create (the secret is shown once), list,
 * read, change, delete, rotate the secret, the delivery log, redelivery and a test ping.
 * Secrets never appear in reads: only creation and rotation show the new one.
 */
import Type, { type Static } from 'typebox'
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  MAX_DESCRIPTION_LENGTH,
  MAX_EVENT_TYPES,
  MAX_URL_LENGTH,
  redeliverFrom,
  rotateSecret,
  ROTATION_GRACE_MS,
  updateEndpoint,
} from '../../../provisioning/webhooks/endpoints.js'
import { pingEndpoint, redeliverEvent } from '../../../provisioning/webhooks/manual.js'
import { invalidValue } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import type { WebhookDelivery, WebhookEndpoint } from '../../../store/records/webhook.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, Key, named, NoContent, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['webhooks']

const Url = Type.String({ minLength: 1, maxLength: MAX_URL_LENGTH, description: 'http(s) URL the events are POSTed to' })
const Description = Type.String({ maxLength: MAX_DESCRIPTION_LENGTH })
const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  minItems: 1,
  maxItems: MAX_EVENT_TYPES,
  description: "Types to send: exact ('user.created'), a wildcard ('user.*') or '*' for all",
})

const EndpointSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  cursor: Type.Integer({ description: 'The last event seq delivered or dead-lettered; the next delivery is of a later one' }),
  attempts: Type.Integer({ description: 'Failed attempts at the next event so far' }),
  nextAttemptAt: Timestamp,
  lastError: Nullable(Type.String()),
  previousSecretExpiresAt: Nullable(Timestamp, 'After a rotation: until when the previous secret signs too'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

const Endpoint = named('WebhookEndpoint', EndpointSchema)
const EndpointWithSecret = named(
  'WebhookEndpointWithSecret',
  Type.Object({ ...EndpointSchema.properties, secret: Type.String({ description: 'whsec_…: shown in this response only' }) }),
)

const DeliverySchema = Type.Object({
  id: Type.String(),
  eventSeq: Type.Integer({ description: '0 for a ping' }),
  eventId: Type.String({ description: 'The webhook-id header' }),
  eventType: Type.String(),
  kind: OneOf(['event', 'redelivery', 'ping']),
  attempt: Type.Integer(),
  at: Timestamp,
  outcome: OneOf(['delivered', 'failed', 'dead'], 'delivered: 2xx; failed: retried later; dead: given up on, the endpoint moved on'),
  status: Nullable(Type.Integer(), 'The HTTP status; null when there was no answer'),
  latencyMs: Type.Integer(),
  response: Nullable(Type.String(), 'The first 1024 bytes of the answer'),
  error: Nullable(Type.String()),
})

const Delivery = named('WebhookDelivery', DeliverySchema)

const endpointView = (e: WebhookEndpoint): Static<typeof EndpointSchema> => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: [...e.eventTypes],
  enabled: e.enabled,
  cursor: e.cursor,
  attempts: e.attempts,
  nextAttemptAt: e.nextAttemptAt,
  lastError: e.lastError,
  previousSecretExpiresAt: e.previousSecretExpiresAt,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
})

const deliveryView = (d: WebhookDelivery): Static<typeof DeliverySchema> => ({
  id: d.id,
  eventSeq: d.eventSeq,
  eventId: d.eventId,
  eventType: d.eventType,
  kind: d.kind,
  attempt: d.attempt,
  at: d.at,
  outcome: d.outcome,
  status: d.status,
  latencyMs: d.latencyMs,
  response: d.response,
  error: d.error,
})

export function registerWebhookRoutes(api: AdminScope, store: Store): void {
  const EndpointParams = TenantParams({ id: Key('The endpoint id') })

  api.post(
    '/webhooks',
    {
      schema: {
        tags: TAGS,
        operationId: 'createWebhook',
        summary: 'Create an endpoint; it receives the events from now on; its secret is in this response only',
        params: TenantParams({}),
        body: Body({ url: Url, description: Type.Optional(Description), eventTypes: Type.Optional(EventTypes), enabled: Type.Optional(Type.Boolean()) }),
        response: { 201: EndpointWithSecret, ...ERRORS },
      },
    },
    async (request, reply) => {
      const created = await createEndpoint(store, tenantOf(request), request.body)
      return reply.code(201).send({ ...endpointView(created), secret: created.secret })
    },
  )

  api.get(
    '/webhooks',
    {
      schema: {
        tags: TAGS,
        operationId: 'listWebhooks',
        summary: 'Endpoints, oldest first',
        params: TenantParams({}),
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: Paged(Endpoint, 'A page of endpoints'), ...ERRORS },
      },
    },
    async (request) => {
      const all = await store.webhooks.list(tenantOf(request).id)
      return pagingOf(request, tenantOf(request).id).slice(all.map(endpointView))
    },
  )

  api.get(
    '/webhooks/:id',
    { schema: { tags: TAGS, operationId: 'getWebhook', summary: 'One endpoint', params: EndpointParams, response: { 200: Endpoint, ...ERRORS } } },
    async (request) => endpointView(await getEndpoint(store, tenantOf(request), request.params.id)),
  )

  api.patch(
    '/webhooks/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'updateWebhook',
        summary: 'Change the url, description, event types or enabled; a disabled endpoint keeps its place and resumes from it',
        params: EndpointParams,
        body: Body({
          url: Type.Optional(Url),
          description: Type.Optional(Description),
          eventTypes: Type.Optional(EventTypes),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Endpoint, ...ERRORS },
      },
    },
    async (request) => endpointView(await updateEndpoint(store, tenantOf(request), request.params.id, request.body)),
  )

  api.delete(
    '/webhooks/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'deleteWebhook',
        summary: 'Delete an endpoint and its delivery log',
        params: EndpointParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(store, tenantOf(request), request.params.id)
      return reply.code(204).send(null)
    },
  )

  api.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags: TAGS,
        operationId: 'rotateWebhookSecret',
        summary: `A new secret (in this response only); the previous one signs too for ${ROTATION_GRACE_MS / 3_600_000} hours`,
        params: EndpointParams,
        response: { 200: EndpointWithSecret, ...ERRORS },
      },
    },
    async (request) => {
      const rotated = await rotateSecret(store, tenantOf(request), request.params.id)
      return { ...endpointView(rotated), secret: rotated.secret }
    },
  )

  api.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: TAGS,
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log of an endpoint, newest first',
        params: EndpointParams,
        querystring: Type.Object({ outcome: Type.Optional(OneOf(['delivered', 'failed', 'dead'])), ...PageQuery }),
        response: { 200: Paged(Delivery, 'A page of deliveries'), ...ERRORS },
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      await getEndpoint(store, tenant, request.params.id)
      const { outcome } = request.query
      const paging = pagingOf(request, tenant.id)
      const page = await store.webhooks.deliveries(tenant.id, request.params.id, {
        limit: paging.limit,
        ...(paging.after !== undefined && { before: paging.after }),
        ...(outcome !== undefined && { outcome }),
      })
      return paging.body({ ...page, items: page.items.map(deliveryView) })
    },
  )

  api.post(
    '/webhooks/:id/redeliver',
    {
      schema: {
        tags: TAGS,
        operationId: 'redeliverWebhook',
        summary: 'seq: send that one event again now (answered with the delivery); from: deliver again in order from that seq on (answered with the endpoint)',
        params: EndpointParams,
        body: Body({
          seq: Type.Optional(Type.Integer({ minimum: 1, description: 'One event to send again now' })),
          from: Type.Optional(Type.Integer({ minimum: 1, description: 'Rewind: every matching event from this seq on, in order' })),
        }),
        response: { 200: Type.Union([Delivery, Endpoint]), ...ERRORS },
      },
    },
    async (request) => {
      const { seq, from } = request.body
      if ((seq === undefined) === (from === undefined)) throw invalidValue('give exactly one of seq (one event now) and from (all events from that seq on)')
      const tenant = tenantOf(request)
      if (seq !== undefined) return deliveryView(await redeliverEvent(store, tenant, request.params.id, seq))
      return endpointView(await redeliverFrom(store, tenant, request.params.id, from!))
    },
  )

  api.post(
    '/webhooks/:id/ping',
    {
      schema: {
        tags: TAGS,
        operationId: 'pingWebhook',
        summary: 'Send a signed webhook.ping now; answered with the delivery',
        params: EndpointParams,
        response: { 200: Delivery, ...ERRORS },
      },
    },
    async (request) => deliveryView(await pingEndpoint(store, tenantOf(request), request.params.id)),
  )
}

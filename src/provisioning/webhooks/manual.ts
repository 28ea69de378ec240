/**
 * Deliveries an admin asks for, sent at once by the process that was asked and answered with
 * their outcome: one event again (out of the endpoint's order, by nature: the receiver
 * recognises it by its `webhook-id`), or a ping. Both are recorded in the delivery log; neither
 * moves the endpoint's cursor.
 */
import { randomUUID } from 'node:crypto'
import { invalidValue, notFound } from '../../scim/errors.js'
import type { Store, Tenant } from '../../store/contract.js'
import type { EventRecord } from '../../store/records/event.js'
import type { DeliveryKind, WebhookDelivery, WebhookEndpoint } from '../../store/records/webhook.js'
import { WEBHOOK_DEFAULTS } from './config.js'
import { getEndpoint } from './endpoints.js'
import { countDelivery } from './metrics.js'
import { payloadOf, send } from './send.js'
import { signingSecrets } from './signing.js'

async function deliverNow(store: Store, endpoint: WebhookEndpoint, event: EventRecord, kind: DeliveryKind, timeoutMs: number): Promise<WebhookDelivery> {
  const now = Date.now()
  const result = await send(endpoint.url, event.id, payloadOf(event), signingSecrets(endpoint, now), timeoutMs, new Date(now))
  const delivery: Omit<WebhookDelivery, 'seq'> = {
    id: randomUUID(),
    tenantId: endpoint.tenantId,
    endpointId: endpoint.id,
    eventSeq: event.seq,
    eventId: event.id,
    eventType: event.type,
    kind,
    attempt: 1,
    at: new Date(now).toISOString(),
    outcome: result.ok ? 'delivered' : 'failed',
    status: result.status,
    latencyMs: result.latencyMs,
    response: result.response,
    error: result.error,
  }
  countDelivery(kind, delivery.outcome)
  return { ...delivery, seq: await store.webhooks.recordDelivery(delivery) }
}

/** Sends the tenant's event `seq` to the endpoint now, whether or not it was delivered before. */
export async function redeliverEvent(store: Store, tenant: Tenant, id: string, seq: number, timeoutMs = WEBHOOK_DEFAULTS.timeoutMs): Promise<WebhookDelivery> {
  if (!Number.isSafeInteger(seq) || seq < 1) throw invalidValue(`seq: a seq of at least 1, got ${seq}`)
  const endpoint = await getEndpoint(store, tenant, id)
  const [event] = await store.eventFeed.list(tenant.id, seq - 1, 1)
  if (event?.seq !== seq) throw notFound(`the tenant has no event ${seq}`)
  return deliverNow(store, endpoint, event, 'redelivery', timeoutMs)
}

/** A `webhook.ping` event, made up for the occasion (not in the tenant's events; seq 0). */
export async function pingEndpoint(store: Store, tenant: Tenant, id: string, timeoutMs = WEBHOOK_DEFAULTS.timeoutMs): Promise<WebhookDelivery> {
  const endpoint = await getEndpoint(store, tenant, id)
  const event: EventRecord = {
    seq: 0,
    id: `ping_${randomUUID()}`,
    tenantId: tenant.id,
    type: 'webhook.ping',
    at: new Date().toISOString(),
    resourceType: null,
    resourceId: endpoint.id,
    requestId: null,
    logEntryId: null,
    data: { endpoint: endpoint.id },
  }
  return deliverNow(store, endpoint, event, 'ping', timeoutMs)
}

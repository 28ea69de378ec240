/** Webhook endpoints and their delivery log, as the store keeps them (provisioning/webhooks/). */

export interface WebhookEndpoint {
  readonly id: string
  readonly tenantId: string
  /** http(s) only; where each matching event is POSTed. */
  readonly url: string
  readonly description: string
  /** Event types to send: exact (`user.created`), a prefix wildcard (`user.*`) or `*`. */
  readonly eventTypes: readonly string[]
  readonly enabled: boolean
  /** The signing secret, `whsec_` + base64 (Standard Webhooks). */
  readonly secret: string
  /** After a rotation: the secret before it, still signed with until `previousSecretExpiresAt`. */
  readonly previousSecret: string | null
  readonly previousSecretExpiresAt: string | null
  /** The last seq dealt with (delivered or dead-lettered); the next delivery is of a later one. */
  readonly cursor: number
  /** Attempts made at the event after `cursor` that is being delivered (0: none yet). */
  readonly attempts: number
  /** When the first of those attempts was made (for the age limit), or null. */
  readonly firstAttemptAt: string | null
  /** Not before this is the next attempt made. */
  readonly nextAttemptAt: string
  readonly lastError: string | null
  /** While a deliverer holds it: until when. */
  readonly claimedUntil: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead'
export type DeliveryKind = 'event' | 'redelivery' | 'ping'

/** One attempt to deliver one event to one endpoint. */
export interface WebhookDelivery {
  /** Increasing across the log; a page position. */
  readonly seq: number
  readonly id: string
  readonly tenantId: string
  readonly endpointId: string
  /** The event's seq and id (the `webhook-id` header); a ping has seq 0. */
  readonly eventSeq: number
  readonly eventId: string
  readonly eventType: string
  readonly kind: DeliveryKind
  /** 1 for the first attempt at the event, then 2, 3, … (a manual redelivery: 1). */
  readonly attempt: number
  readonly at: string
  /** delivered: a 2xx; failed: another answer or none, retried; dead: failed and given up on. */
  readonly outcome: DeliveryOutcome
  /** The HTTP status, or null when there was no answer. */
  readonly status: number | null
  readonly latencyMs: number
  /** The first bytes of the answer's body (at most RESPONSE_EXCERPT_BYTES). */
  readonly response: string | null
  readonly error: string | null
}

export type NewWebhookDelivery = Omit<WebhookDelivery, 'seq'>

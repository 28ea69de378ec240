/**
 * Webhook endpoints of a tenant (docs/webhooks.md): what an admin creates, changes, rotates and
 * rewinds. Every input is checked here, so the admin API and the CLI refuse the same things in
 * the same words.
 */
import { randomUUID } from 'node:crypto'
import { invalidValue, notFound } from '../../scim/errors.js'
import type { Store, Tenant } from '../../store/contract.js'
import type { WebhookEndpoint } from '../../store/records/webhook.js'
import type { EndpointChanges } from '../../store/sql/webhook-queries.js'
import { newSecret } from './signing.js'

/** How long a rotated-out secret still signs: a day, time enough to roll the new one out to receivers. */
export const ROTATION_GRACE_MS = 24 * 3_600_000
export const MAX_URL_LENGTH = 2048
export const MAX_DESCRIPTION_LENGTH = 500
export const MAX_EVENT_TYPES = 100

/** `user.created`, `user.*`, `group.members.*` or `*`: dot-separated names, a trailing `*` at most. */
const EVENT_TYPE = /^(\*|[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*(\.\*)?)$/

export function checkUrl(url: string): string {
  if (url.length > MAX_URL_LENGTH) throw invalidValue(`url: at most ${MAX_URL_LENGTH} characters`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalidValue(`url: '${url}' is not an absolute URL`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalidValue(`url: only http and https URLs receive webhooks, not ${parsed.protocol.slice(0, -1)}`)
  }
  if (parsed.username || parsed.password) throw invalidValue('url: must not hold a user name or password; authenticate receivers by the signature')
  if (parsed.hash) throw invalidValue('url: must not have a #fragment')
  return parsed.href
}

export function checkEventTypes(types: readonly string[]): string[] {
  if (types.length === 0) throw invalidValue("eventTypes: give at least one type, or '*' for every event")
  if (types.length > MAX_EVENT_TYPES) throw invalidValue(`eventTypes: at most ${MAX_EVENT_TYPES}`)
  for (const t of types) {
    if (!EVENT_TYPE.test(t)) {
      throw invalidValue(`eventTypes: '${t}' is not an event type; use e.g. 'user.created', 'user.*' or '*'`)
    }
  }
  return [...new Set(types)]
}

function checkDescription(description: string): string {
  if (description.length > MAX_DESCRIPTION_LENGTH) throw invalidValue(`description: at most ${MAX_DESCRIPTION_LENGTH} characters`)
  return description
}

/** Whether an event of `type` goes to an endpoint with `filters`. */
export function matches(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))))
}

export interface NewEndpoint {
  readonly url: string
  readonly description?: string
  readonly eventTypes?: readonly string[]
  readonly enabled?: boolean
}

/**
 * A new endpoint, given the events from now on: its cursor starts at the tenant's last event,
 * so it is not flooded with history (a rewind sends history on purpose).
 */
export async function createEndpoint(store: Store, tenant: Tenant, input: NewEndpoint): Promise<WebhookEndpoint> {
  const now = new Date().toISOString()
  const cursor = await store.forTenant(tenant).transaction((tx) => tx.events.lastSeq())
  const endpoint: WebhookEndpoint = {
    id: randomUUID(),
    tenantId: tenant.id,
    url: checkUrl(input.url),
    description: checkDescription(input.description ?? ''),
    eventTypes: checkEventTypes(input.eventTypes ?? ['*']),
    enabled: input.enabled ?? true,
    secret: newSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    cursor,
    attempts: 0,
    firstAttemptAt: null,
    nextAttemptAt: now,
    lastError: null,
    claimedUntil: null,
    createdAt: now,
    updatedAt: now,
  }
  await store.webhooks.insert(endpoint)
  return endpoint
}

const missing = (id: string) => notFound(`there is no webhook endpoint '${id}'`)

export async function getEndpoint(store: Store, tenant: Tenant, id: string): Promise<WebhookEndpoint> {
  const endpoint = await store.webhooks.get(tenant.id, id)
  if (!endpoint) throw missing(id)
  return endpoint
}

export async function updateEndpoint(store: Store, tenant: Tenant, id: string, input: EndpointChanges): Promise<WebhookEndpoint> {
  const changes: EndpointChanges = {
    ...(input.url !== undefined && { url: checkUrl(input.url) }),
    ...(input.description !== undefined && { description: checkDescription(input.description) }),
    ...(input.eventTypes !== undefined && { eventTypes: checkEventTypes(input.eventTypes) }),
    ...(input.enabled !== undefined && { enabled: input.enabled }),
  }
  const updated = await store.webhooks.update(tenant.id, id, changes, new Date().toISOString())
  if (!updated) throw missing(id)
  return updated
}

export async function deleteEndpoint(store: Store, tenant: Tenant, id: string): Promise<void> {
  if (!(await store.webhooks.delete(tenant.id, id))) throw missing(id)
}

/** A new secret; the old one signs too until the grace period ends. */
export async function rotateSecret(store: Store, tenant: Tenant, id: string, now = Date.now()): Promise<WebhookEndpoint> {
  const rotated = await store.webhooks.rotate(tenant.id, id, newSecret(), new Date(now + ROTATION_GRACE_MS).toISOString(), new Date(now).toISOString())
  if (!rotated) throw missing(id)
  return rotated
}

/** Delivers again every matching event from seq `from` on, in order (`from` 1: all history). */
export async function redeliverFrom(store: Store, tenant: Tenant, id: string, from: number): Promise<WebhookEndpoint> {
  if (!Number.isSafeInteger(from) || from < 1) throw invalidValue(`from: a seq of at least 1, got ${from}`)
  const rewound = await store.webhooks.rewind(tenant.id, id, from - 1, new Date().toISOString())
  if (!rewound) throw missing(id)
  return rewound
}

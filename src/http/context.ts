import type { FastifyRequest } from 'fastify'
import { AccountLifecycle } from '../provisioning/accounts/lifecycle.js'
import { eventHooks } from '../provisioning/events/scim-events.js'
import { allHooks, ResourceService } from '../provisioning/resources.js'
import { settingsOf } from '../provisioning/tenant-settings.js'
import { detectClient } from '../provisioning/log/detect-client.js'
import { ProvisioningLogHooks } from '../provisioning/log/hooks.js'
import type { SchemaRegistry } from '../scim/schema/resource-types.js'
import type { Tenant, TenantStore, TokenRecord } from '../store/contract.js'
import type { CallContext } from '../provisioning/call.js'

/** What a SCIM request knows once its tenant and token are established. */
export interface ScimContext {
  readonly tenant: Tenant
  readonly store: TenantStore
  /** The tenant's SCIM base URL, e.g. `https://host/scim/v2/organizations/acme`. */
  readonly baseUrl: string
  readonly registry: SchemaRegistry
}

declare module 'fastify' {
  interface FastifyRequest {
    scim: ScimContext | null
    /** The SCIM token that authenticated the request. */
    scimToken: TokenRecord | null
    /**
     * What of the client's input was corrected rather than refused (provisioning/resources.ts
     * Written.tolerances); the request's log line carries them. Null until the first one.
     */
    tolerances: string[] | null
  }
}

/**
 * Notes one request's log line keeps: a PATCH of 10,000 mistyped members (or a Bulk of many)
 * must not write a line of 10,000 notes. The rest are counted in a last note.
 */
export const MAX_TOLERANCE_NOTES = 20

/** Keeps the notes of a write for the request's log line, at most MAX_TOLERANCE_NOTES of them. */
export function noteTolerances(request: FastifyRequest, tolerances: readonly string[] | undefined): void {
  if (!tolerances?.length) return
  const notes = (request.tolerances ??= [])
  let more = notes.length > MAX_TOLERANCE_NOTES ? Number(/\d+/.exec(notes.pop()!)?.[0]) : 0
  for (const note of tolerances) {
    if (notes.length < MAX_TOLERANCE_NOTES) notes.push(note)
    else more++
  }
  if (more > 0) notes.push(`and ${more} more`)
}

export function scimContext(request: FastifyRequest): ScimContext {
  if (!request.scim) throw new TypeError('SCIM route reached without authentication')
  return request.scim
}

/** Holds no state: the tenant's settings are read in each write's transaction. */
const LIFECYCLE = new AccountLifecycle()
/** Every SCIM write appends its provisioning log entry in its transaction. */
const PROVISIONING_LOG = new ProvisioningLogHooks()
/** Events wrap the rest: they record what the lifecycle did, once, late in the transaction. */
const WITH_ACCOUNTS = eventHooks(allHooks(LIFECYCLE, PROVISIONING_LOG))
const WITHOUT_ACCOUNTS = eventHooks(PROVISIONING_LOG)

/** Services hold no request state; contexts are shared per tenant (authenticate.ts), so are they. */
const services = new WeakMap<ScimContext, { User?: ResourceService; Group?: ResourceService }>()

export function resourceService(context: ScimContext, type: 'User' | 'Group'): ResourceService {
  let byType = services.get(context)
  if (byType === undefined) services.set(context, (byType = {}))
  const hooks = settingsOf(context.tenant).accounts ? WITH_ACCOUNTS : WITHOUT_ACCOUNTS
  return (byType[type] ??= new ResourceService(context.store, context.registry.require(type), hooks))
}

/** Who made this SCIM call and how, for what a write records about itself. */
export function callContext(request: FastifyRequest): CallContext {
  const token = request.scimToken
  const userAgent = request.headers['user-agent']
  return {
    requestId: request.id,
    method: request.method,
    path: request.url.split('?', 1)[0]!,
    tokenId: token?.id ?? null,
    tokenName: token?.name ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    client: detectClient({ userAgent, url: request.url, method: request.method, body: request.body }),
    receivedAt: request.receivedAt,
  }
}

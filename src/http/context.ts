import type { FastifyRequest } from 'fastify'
import { ResourceService } from '../provisioning/resources.js'
import type { SchemaRegistry } from '../scim/schema/resource-types.js'
import type { Tenant, TenantStore } from '../store/contract.js'

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
  }
}

export function scimContext(request: FastifyRequest): ScimContext {
  if (!request.scim) throw new TypeError('SCIM route reached without authentication')
  return request.scim
}

export function resourceService(context: ScimContext, type: 'User' | 'Group'): ResourceService {
  return new ResourceService(context.store, context.registry.require(type))
}

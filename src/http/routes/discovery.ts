import type { FastifyInstance, FastifyRequest } from 'fastify'
import { forbidden, methodNotAllowed, notFound } from '../../scim/errors.js'
import { resourceTypeResource } from '../../scim/discovery/resource-type-resource.js'
import { schemaDefinitions, schemaResource } from '../../scim/discovery/schema-resource.js'
import { serviceProviderConfig } from '../../scim/discovery/service-provider-config.js'
import { listResponse } from '../../scim/messages/list-response.js'
import { CURSOR_TIMEOUT_SECONDS } from '../../store/cursor.js'
import { scimContext } from '../context.js'
import { sendScim } from '../scim-reply.js'

export interface DiscoveryOptions {
  readonly maxPayloadSize: number
  readonly bulkMaxOperations: number
  readonly maxResults: number
  /** The count of a query without one (RFC 9865 §4 `defaultPageSize`). */
  readonly defaultCount?: number
}

/** RFC 7644 §4: discovery is not filterable; a filter gets 403. */
function refuseFilter(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown>
  if (Object.keys(query).some((k) => k.toLowerCase() === 'filter')) {
    throw forbidden(`${request.url.split('?')[0]} does not support filtering (RFC 7644 §4)`)
  }
}

/** `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`: built from the schemas the server validates with. */
export function registerDiscoveryRoutes(app: FastifyInstance, options: DiscoveryOptions): void {
  app.get('/ServiceProviderConfig', async (request, reply) => {
    refuseFilter(request)
    const { baseUrl } = scimContext(request)
    return sendScim(
      reply,
      200,
      serviceProviderConfig({
        baseUrl,
        bulk: { maxOperations: options.bulkMaxOperations, maxPayloadSize: options.maxPayloadSize },
        filterMaxResults: options.maxResults,
        etag: true,
        changePassword: true,
        sort: true,
        patch: true,
        cursorPagination: true,
        ...(options.defaultCount !== undefined && {
          defaultPageSize: Math.max(1, Math.min(options.defaultCount, options.maxResults)),
        }),
        cursorTimeout: CURSOR_TIMEOUT_SECONDS,
      }),
    )
  })

  app.get('/ResourceTypes', async (request, reply) => {
    refuseFilter(request)
    const { baseUrl, registry } = scimContext(request)
    const all = registry.all.map((t) => resourceTypeResource(t, baseUrl))
    return sendScim(reply, 200, listResponse(all, { totalResults: all.length, startIndex: 1 }))
  })

  app.get('/ResourceTypes/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const { baseUrl, registry } = scimContext(request)
    const type = registry.all.find((t) => t.type.id.toLowerCase() === request.params.id.toLowerCase())
    if (!type) throw notFound(`there is no resource type '${request.params.id}'`)
    return sendScim(reply, 200, resourceTypeResource(type, baseUrl))
  })

  app.get('/Schemas', async (request, reply) => {
    refuseFilter(request)
    const { baseUrl, registry } = scimContext(request)
    const all = schemaDefinitions(registry).map((s) => schemaResource(s, baseUrl))
    return sendScim(reply, 200, listResponse(all, { totalResults: all.length, startIndex: 1 }))
  })

  app.get('/Schemas/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const { baseUrl, registry } = scimContext(request)
    const schema = schemaDefinitions(registry).find((s) => s.id.toLowerCase() === request.params.id.toLowerCase())
    if (!schema) throw notFound(`there is no schema '${request.params.id}'`)
    return sendScim(reply, 200, schemaResource(schema, baseUrl))
  })

  for (const url of ['/ServiceProviderConfig', '/ResourceTypes', '/ResourceTypes/:id', '/Schemas', '/Schemas/:id']) {
    app.route({
      method: ['POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      handler: async (request) => {
        throw methodNotAllowed(`${request.method} is not supported on ${url.replace(':id', '{id}')}: discovery is read-only`, 'GET')
      },
    })
  }
}

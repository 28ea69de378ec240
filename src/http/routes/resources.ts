import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { etagMatches } from '../../provisioning/preconditions.js'
import { etagOf, renderedJson, renderResource } from '../../provisioning/render.js'
import type { ResourceService, Written } from '../../provisioning/resources.js'
import { methodNotAllowed } from '../../scim/errors.js'
import { listResponseJson } from '../../scim/messages/list-response.js'
import { parseSearchRequest } from '../../scim/messages/search-request.js'
import { callContext, noteTolerances, resourceService, scimContext, type ScimContext } from '../context.js'
import { sendGroupWithMembers } from '../group-stream.js'
import { projectionFromQuery, projectionOf, type Projection } from '../projection.js'
import { sendScim } from '../scim-reply.js'

export interface ListLimits {
  readonly defaultCount: number
  readonly maxCount: number
}

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

function sendResource(reply: FastifyReply, status: number, context: ScimContext, written: Written, projection: Projection) {
  noteTolerances(reply.request, written.tolerances)
  const location = `${context.baseUrl}/${written.resource.resourceType === 'Group' ? 'Groups' : 'Users'}/${written.resource.id}`
  const body = projection.apply(renderResource(written.resource, written.derived, context.baseUrl))
  return sendScim(reply, status, body, {
    ETag: etagOf(written.resource.version),
    ...(status === 201 && { Location: location }),
  })
}

/** `/Users` or `/Groups` of one tenant: RFC 7644 §3.3–3.6 and §3.4.3. */
export function registerResourceRoutes(app: FastifyInstance, type: 'User' | 'Group', limits: ListLimits): void {
  const endpoint = type === 'User' ? '/Users' : '/Groups'
  const service = (request: FastifyRequest): [ScimContext, ResourceService] => {
    const context = scimContext(request)
    return [context, resourceService(context, type)]
  }

  async function search(request: FastifyRequest, reply: FastifyReply, source: Parameters<typeof parseSearchRequest>[0]) {
    const context = scimContext(request)
    const resources = resourceService(context, type)
    const search = parseSearchRequest(source, limits)
    const projection = projectionOf(resources.schema, search)
    const result = await resources.search(search, projection.wanted)
    const { baseUrl } = context
    // Each resource as JSON text: its stored text where projection leaves it whole, else rendered.
    const rendered = result.resources.map((r, i) => {
      const derived = result.derived[i] ?? {}
      return (
        renderedJson(r, derived, baseUrl, projection.keeps) ??
        JSON.stringify(projection.apply(renderResource(r, derived, baseUrl)))
      )
    })
    const page =
      search.cursor === undefined
        ? { totalResults: result.totalResults, startIndex: search.startIndex }
        : { totalResults: result.totalResults, nextCursor: result.nextCursor, previousCursor: result.previousCursor }
    return sendScim(reply, 200, listResponseJson(rendered, page))
  }

  app.get(endpoint, (request, reply) =>
    search(request, reply, { kind: 'query', query: request.query as Record<string, unknown> }),
  )
  app.post(`${endpoint}/.search`, (request, reply) => search(request, reply, { kind: 'body', body: request.body }))

  app.post(endpoint, async (request: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
    const [context, resources] = service(request)
    const projection = projectionFromQuery(resources.schema, request.query)
    return sendResource(reply, 201, context, await resources.create(request.body, projection.wanted, callContext(request)), projection)
  })

  app.get(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    const [context, resources] = service(request)
    const projection = projectionFromQuery(resources.schema, request.query)
    // A group's members are read after the precondition, page by page (group-stream.ts).
    const members = resources.isGroup && projection.wanted.members
    const written = await resources.get(request.params.id, members ? { groups: false, members: false } : projection.wanted)
    const ifNoneMatch = header(request, 'if-none-match')
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, written.resource.version)) {
      return reply.code(304).header('ETag', etagOf(written.resource.version)).send()
    }
    if (members) {
      const sendWhole = (derived: Written['derived']) => sendResource(reply, 200, context, { ...written, derived }, projection)
      return sendGroupWithMembers(reply, context, resources, written.resource, projection, sendWhole)
    }
    return sendResource(reply, 200, context, written, projection)
  })

  app.put(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    const [context, resources] = service(request)
    const projection = projectionFromQuery(resources.schema, request.query)
    const written = await resources.replace(request.params.id, request.body, header(request, 'if-match'), projection.wanted, callContext(request))
    return sendResource(reply, 200, context, written, projection)
  })

  app.patch(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    const [context, resources] = service(request)
    const projection = projectionFromQuery(resources.schema, request.query)
    // Entra expects 204 for group PATCHes and member lists can be huge (docs/idp-compatibility.md);
    // a client that wants the group back asks for it with attributes/excludedAttributes.
    const silent = resources.isGroup && !projection.requested
    const wanted = silent ? { groups: false, members: false } : projection.wanted
    const written = await resources.patch(request.params.id, request.body, header(request, 'if-match'), wanted, callContext(request))
    if (silent) {
      noteTolerances(request, written.tolerances)
      return reply.code(204).header('ETag', etagOf(written.resource.version)).send()
    }
    return sendResource(reply, 200, context, written, projection)
  })

  app.delete(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    const [, resources] = service(request)
    await resources.delete(request.params.id, header(request, 'if-match'), callContext(request))
    return reply.code(204).send()
  })

  const refuse = (allow: string) => async (request: FastifyRequest) => {
    throw methodNotAllowed(`${request.method} is not supported on ${endpoint}${allow.includes('PATCH') ? '/{id}' : ''}`, allow)
  }
  app.route({ method: ['PUT', 'PATCH', 'DELETE'], url: endpoint, handler: refuse('GET, POST') })
  app.route({ method: ['POST'], url: `${endpoint}/:id`, handler: refuse('GET, PUT, PATCH, DELETE') })
}

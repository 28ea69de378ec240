import type { FastifyInstance } from 'fastify'
import { renderResource } from '../../provisioning/render.js'
import type { ResourceService } from '../../provisioning/resources.js'
import { invalidCursor, isScimError } from '../../scim/errors.js'
import type { SearchRequest } from '../../scim/messages/search-request.js'
import { listResponse } from '../../scim/messages/list-response.js'
import { parseSearchRequest } from '../../scim/messages/search-request.js'
import { resourceService, scimContext, type ScimContext } from '../context.js'
import { projectionOf } from '../projection.js'
import { sendScim } from '../scim-reply.js'
import type { ListLimits } from './resources.js'

/**
 * RFC 7644 §3.4.3 `POST /.search` at the tenant root: Users then Groups, paged as one list. A
 * filter naming an attribute only one type has matches nothing of the other type; a filter
 * that fits neither type is an error.
 */
export function registerRootSearch(app: FastifyInstance, limits: ListLimits): void {
  app.post('/.search', async (request, reply) => {
    const context = scimContext(request)
    const search = parseSearchRequest({ kind: 'body', body: request.body }, limits)
    const services = (['User', 'Group'] as const).map((t) => resourceService(context, t))

    if (search.cursor !== undefined) return sendScim(reply, 200, await cursorSearch(context, search, services))

    const totals: number[] = []
    let lastError: unknown
    for (const service of services) {
      try {
        totals.push((await service.search({ ...search, startIndex: 1, count: 0 })).totalResults)
      } catch (e) {
        if (!isScimError(e) || e.scimType !== 'invalidFilter') throw e
        lastError = e
        totals.push(-1)
      }
    }
    if (totals.every((t) => t < 0)) throw lastError

    const resources: Record<string, unknown>[] = []
    let skip = search.startIndex - 1
    let room = search.count
    for (const [i, service] of services.entries()) {
      const total = totals[i] ?? -1
      if (total <= 0) continue
      if (skip >= total) {
        skip -= total
        continue
      }
      if (room > 0) {
        const projection = projectionOf(service.schema, search)
        const page = await service.search({ ...search, startIndex: skip + 1, count: room }, projection.wanted)
        page.resources.forEach((r, j) => resources.push(projection.apply(renderResource(r, page.derived[j] ?? {}, context.baseUrl))))
        room -= page.resources.length
      }
      skip = 0
    }
    const totalResults = totals.reduce((a, t) => a + Math.max(t, 0), 0)
    return sendScim(reply, 200, listResponse(resources, { totalResults, startIndex: search.startIndex }))
  })
}

/** The root cursor: which type's walk it continues (`U~`, `G~`) and that type's own cursor. */
const PHASES = ['U~', 'G~'] as const

/**
 * RFC 9865 at the root: the Users' cursor walk, then the Groups'. The store signs and binds
 * each type's cursor to that type, so a cursor moved to the other phase is `invalidCursor`.
 */
async function cursorSearch(context: ScimContext, search: SearchRequest, services: ResourceService[]) {
  let phase = 0
  let inner = ''
  if (search.cursor !== '') {
    phase = PHASES.findIndex((p) => search.cursor!.startsWith(p))
    if (phase < 0) throw invalidCursor('cursor: not a cursor this server issued; start with an empty cursor or use a nextCursor value')
    inner = search.cursor!.slice(2)
  }
  const totals = await Promise.all(
    services.map((service) =>
      service.search({ ...search, cursor: undefined, startIndex: 1, count: 0 }).then(
        (r) => r.totalResults,
        (e: unknown) => {
          if (!isScimError(e) || e.scimType !== 'invalidFilter') throw e
          return e
        },
      ),
    ),
  )
  const fitting = totals.filter((t): t is number => typeof t === 'number')
  if (fitting.length === 0) throw totals[0]
  const resources: Record<string, unknown>[] = []
  let room = search.count
  let nextCursor: string | undefined
  for (; phase < services.length; phase++, inner = '') {
    const service = services[phase]!
    const total = totals[phase]
    if (typeof total !== 'number' || total === 0) continue
    if (room === 0) {
      nextCursor = `${PHASES[phase]}${inner}`
      break
    }
    const projection = projectionOf(service.schema, search)
    const page = await service.search({ ...search, cursor: inner, count: room }, projection.wanted)
    page.resources.forEach((r, j) => resources.push(projection.apply(renderResource(r, page.derived[j] ?? {}, context.baseUrl))))
    room -= page.resources.length
    if (page.nextCursor !== undefined) {
      nextCursor = `${PHASES[phase]}${page.nextCursor}`
      break
    }
  }
  const totalResults = fitting.reduce((a, t) => a + t, 0)
  return listResponse(resources, { totalResults, nextCursor })
}

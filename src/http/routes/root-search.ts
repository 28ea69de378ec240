import type { FastifyInstance } from 'fastify'
import { renderResource } from '../../provisioning/render.js'
import { isScimError } from '../../scim/errors.js'
import { listResponse } from '../../scim/messages/list-response.js'
import { parseSearchRequest } from '../../scim/messages/search-request.js'
import { resourceService, scimContext } from '../context.js'
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

import type { FastifyInstance } from 'fastify'
import { executeBulk, parseBulkRequest } from '../../provisioning/bulk.js'
import { SCHEMA_URNS } from '../../scim/schema/attribute.js'
import { callContext, noteTolerances, resourceService, scimContext } from '../context.js'
import { bulkOutcomes } from '../provisioning-log.js'
import { sendScim } from '../scim-reply.js'

/** RFC 7644 §3.7 `POST /Bulk`. Oversized bodies are refused with 413 by the body limit. */
export function registerBulkRoute(app: FastifyInstance, limits: { maxOperations: number }): void {
  app.post('/Bulk', async (request, reply) => {
    const context = scimContext(request)
    const bulk = parseBulkRequest(request.body, limits)
    const tolerances: string[] = []
    const results = await executeBulk(
      bulk,
      { Users: resourceService(context, 'User'), Groups: resourceService(context, 'Group') },
      context.baseUrl,
      tolerances,
      callContext(request),
      bulkOutcomes(request),
    )
    noteTolerances(request, tolerances)
    return sendScim(reply, 200, { schemas: [SCHEMA_URNS.bulkResponse], Operations: results })
  })
}

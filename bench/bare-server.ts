/**
 * The baseline: a bare Fastify app with JSON routes shaped like the SCIM ones, doing no work
 * beyond parsing and serialising. Run in its own process, pinned like the server under test,
 * so the ratio "Roster req/s ÷ bare req/s" measures what Roster adds on top of Fastify.
 *
 * Usage: node dist/bench/bare-server.js PORT
 */
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: bare-server.js PORT\n')
  process.exit(2)
}

const app = Fastify({ logger: false })
// RFC 7644 §3.1: SCIM bodies are application/scim+json; parse them like any JSON.
const parseJson = app.getDefaultJsonParser('error', 'ignore')
app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, parseJson)

const listResponse = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 1,
  startIndex: 1,
  itemsPerPage: 1,
  Resources: [{ id: '2819c223-7f76-453a-919d-413861904646', userName: 'bare@example.test' }],
}

app.get('/healthz', async () => ({ status: 'ok' }))
app.get('/bare/Users', async () => listResponse)
app.post('/bare/Users', async (request, reply) => {
  reply.code(201)
  return { ...(request.body as object), id: randomUUID() }
})
app.post('/bare/Groups', async (request, reply) => {
  reply.code(201)
  return { ...(request.body as object), id: randomUUID() }
})
const group = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'bare group',
  meta: { resourceType: 'Group', version: 'W/"1"' },
}
app.get('/bare/Groups/:id', async () => group)
app.patch('/bare/Groups/:id', async (_request, reply) => {
  reply.code(204).send()
})

await app.listen({ port, host: '127.0.0.1' })
process.stdout.write(`bare route listening on http://127.0.0.1:${port}\n`)

// Started with a pipe on stdin by the benchmark: if the benchmark dies, so do we.
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0))

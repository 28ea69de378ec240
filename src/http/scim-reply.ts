import type { FastifyReply } from 'fastify'

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8'

/**
 * RFC 7644 §3.1: responses are `application/scim+json`. A string body is sent as it is: it is
 * JSON text already (list-response.ts listResponseJson).
 */
export function sendScim(reply: FastifyReply, status: number, body: unknown, headers?: Record<string, string>) {
  reply.code(status).type(SCIM_CONTENT_TYPE)
  if (headers !== undefined) for (const [k, v] of Object.entries(headers)) reply.header(k, v)
  return reply.send(body)
}

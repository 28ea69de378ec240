import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  badRequest,
  invalidSyntax,
  isScimError,
  notFound,
  payloadTooLarge,
  ScimError,
  serviceUnavailable,
  unsupportedMediaType,
} from '../scim/errors.js'
import { isDatabaseUnavailable } from '../store/database-unavailable.js'
import { loggedUrl } from './log-fields.js'
import { sendScim } from './scim-reply.js'

/** Seconds a client is told to wait (`Retry-After`) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5

/**
 * Characters in one URL parameter (a slug, an id, a schema URN) past which the router gives
 * up. Ids are UUIDs, slugs at most 63 characters, schema URNs under 100: a longer one names
 * nothing, so it is answered 404 ("no such resource"), which a client can act on, rather than
 * 414, which tells it only to shorten what it cannot shorten.
 */
export const MAX_PATH_SEGMENT = 256

/**
 * Maps everything thrown to an RFC 7644 §3.12 error. Client faults keep their detail; anything
 * unexpected is logged with its cause and answered with a fixed 500 that names the request id,
 * so no internal detail leaks. A database that cannot be reached is a 503 with `Retry-After`
 * (RFC 7231 §6.6.4): the request may succeed when retried.
 */
export function toScimError(error: unknown, request: FastifyRequest): ScimError {
  if (isScimError(error)) return error
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable')
    return serviceUnavailable('the database is unavailable; retry later', DATABASE_RETRY_AFTER_SECONDS)
  }
  const e = error as Partial<FastifyError> & { type?: string }
  if (clientGone(request, e)) {
    // The client's doing (it closed the connection, or was timed out mid-body): no one reads
    // this answer, and an operator has nothing to fix.
    request.log.info({ code: e.code }, 'client closed the connection before its request arrived whole')
    return invalidSyntax('the request body was not received whole')
  }
  switch (e.code) {
    case 'FST_ERR_BAD_URL':
      return badRequest(`the URL is not valid: its path is not percent-encoded UTF-8 (RFC 3986 §2.1): ${request.url}`)
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return notFound(
        `no such resource: no tenant, resource or schema has a name longer than ${MAX_PATH_SEGMENT} characters`,
      )
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge(`the request body is larger than the ${e.message?.match(/\d+/)?.[0] ?? 'allowed'} bytes this server accepts`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(
        `Content-Type '${request.headers['content-type'] ?? ''}' is not supported: send application/scim+json or application/json`,
      )
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidSyntax('the request body is empty; a JSON object was expected')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidSyntax('the Content-Length header does not match the body')
  }
  if (e.statusCode === 400 && (error instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
    return invalidSyntax(`the request body is not valid JSON: ${e.message}`)
  }
  if (e.statusCode === 400 && /prototype|constructor/i.test(e.message ?? '')) {
    return invalidSyntax('the request body contains a forbidden key (__proto__ or constructor)')
  }
  if (e.statusCode === 404) return notFound(`no such endpoint: ${request.method} ${request.url}`)
  request.log.error({ err: error }, 'unexpected error')
  return new ScimError(500, undefined, `internal error; quote request id ${request.id} when reporting it`)
}

/** The connection closed before the request's body was read whole (Node: 'aborted', ECONNRESET). */
const clientGone = (request: FastifyRequest, e: Partial<FastifyError>) =>
  e.code === 'ECONNRESET' || request.raw.readableAborted

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const scim = toScimError(error, request)
  return sendScim(reply, scim.status, scim.toResponse(), { ...scim.headers })
}

/**
 * Fastify's `frameworkErrors`: faults found before routing (a URL that is not percent-encoding,
 * an over-long parameter). Such a request has no route, so no `onResponse` hook: its request
 * line is written here.
 */
export function frameworkErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const scim = toScimError(error, request)
  request.log.info({ method: request.method, url: loggedUrl(request.url), status: scim.status }, 'request')
  return sendScim(reply, scim.status, scim.toResponse(), { ...scim.headers })
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const scim = notFound(`no such endpoint: ${request.method} ${request.url.split('?')[0]}`)
  return sendScim(reply, 404, scim.toResponse())
}

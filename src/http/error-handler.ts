import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  invalidSyntax,
  isScimError,
  notFound,
  payloadTooLarge,
  ScimError,
  serviceUnavailable,
  unsupportedMediaType,
} from '../scim/errors.js'
import { isDatabaseUnavailable } from '../store/database-unavailable.js'
import { sendScim } from './scim-reply.js'

/** Seconds a client is told to wait (`Retry-After`) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5

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
  switch (e.code) {
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

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const scim = toScimError(error, request)
  return sendScim(reply, scim.status, scim.toResponse(), { ...scim.headers })
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const scim = notFound(`no such endpoint: ${request.method} ${request.url.split('?')[0]}`)
  return sendScim(reply, 404, scim.toResponse())
}

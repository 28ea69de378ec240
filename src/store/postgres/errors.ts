/**
 * Which PostgreSQL errors mean "the database is unavailable" rather than "this statement is
 * wrong": the connection was refused, reset or timed out, or the server is shutting down or
 * starting. Those become `DatabaseUnavailableError` (HTTP 503); everything else passes as is.
 */
import { DatabaseUnavailableError } from '../database-unavailable.js'

/** Socket errors of a server that is down, restarting or unreachable. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
])

/**
 * SQLSTATEs (PostgreSQL Appendix A): 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now (starting up or in recovery), 57P05 idle_session_timeout,
 * 53300 too_many_connections; and the whole class 08, connection exception.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300'])

/** pg reports a lost socket and its own timeouts by message only. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable$/,
  /^Connection terminated due to connection timeout/,
]

export function isConnectionError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false
  if (error instanceof DatabaseUnavailableError) return true
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown }
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true
  }
  if (typeof message === 'string' && DRIVER_MESSAGES.some((m) => m.test(message))) return true
  // Connecting to a name with several addresses fails with an AggregateError of each attempt.
  return Array.isArray(errors) && errors.length > 0 && errors.every(isConnectionError)
}

/** `error` as a `DatabaseUnavailableError` when it is a connection error; otherwise unchanged. */
export const classifyPostgresError = (error: unknown): unknown =>
  error instanceof DatabaseUnavailableError || !isConnectionError(error) ? error : new DatabaseUnavailableError(error)

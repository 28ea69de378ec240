/**
 * The admin UI's session cookie: HttpOnly (no script reads the secret), SameSite=Lax (other
 * sites' forms and scripts do not send it with state changes), Path=/ and Secure whenever the
 * request came over TLS, directly or, with trustProxy, as the proxy says.
 */
import type { FastifyRequest } from 'fastify'

export const SESSION_COOKIE = 'roster_session'
export const CSRF_HEADER = 'x-csrf-token'

/** The session cookie's value, if the request carries one. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim()
  }
  return undefined
}

const flags = (request: FastifyRequest) => `Path=/; HttpOnly; SameSite=Lax${request.protocol === 'https' ? '; Secure' : ''}`

/** Set-Cookie for a new session; the browser drops it at the session's absolute end. */
export function sessionCookie(request: FastifyRequest, secret: string, expiresAt: string, now = Date.now()): string {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - now) / 1000))
  return `${SESSION_COOKIE}=${secret}; Max-Age=${maxAge}; ${flags(request)}`
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(request: FastifyRequest): string {
  return `${SESSION_COOKIE}=; Max-Age=0; ${flags(request)}`
}

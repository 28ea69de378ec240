/**
 * Who calls the admin API, and which tenants it may reach. An instance token (tenantId null)
 * reaches every tenant; a tenant's token reaches only its own, and any other tenant is
 * answered exactly as an unknown one (404), so a tenant's administrator cannot learn which
 * other tenants exist.
 *
 * A request without an Authorization header may instead carry the admin UI's session cookie:
 * it then acts as the admin token the session was opened with. Browsers send cookies with
 * requests other sites start, so every state change made by cookie must also carry the
 * session's CSRF token in a header, which only a page of this origin can read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { csrfMatches, type ActiveSession, type AdminSessions } from '../../provisioning/admin-sessions.js'
import { AdminTokenAuthenticator, ADMIN_TOKEN_PREFIX } from '../../provisioning/admin-tokens.js'
import { TOKEN_PREFIX } from '../../provisioning/token-secret.js'
import { forbidden, isScimError, notFound, unauthorized } from '../../scim/errors.js'
import type { Store, Tenant } from '../../store/contract.js'
import type { AdminTokenRecord } from '../../store/records/admin-token.js'
import { storableKey } from '../../store/resource-columns.js'
import { CSRF_HEADER, sessionCookieOf } from './session-cookie.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin token the request was made with; set on every admin route. */
    adminToken: AdminTokenRecord | null
    /** The tenant `{t}` names, once found and allowed (routes under /tenants/{t}). */
    adminTenant: Tenant | null
    /** The admin UI session the request was made with, when made by cookie rather than bearer token. */
    adminSession: (ActiveSession & { readonly secret: string }) | null
  }
}

/** Methods that change nothing: the only ones a cookie alone may make. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The `onRequest` hook of the admin API: a valid admin bearer token, or a live session cookie
 * (with the CSRF header on state changes); 401 or 403 otherwise.
 */
export function authenticateAdmin(store: Store, sessions: AdminSessions) {
  const authenticator = new AdminTokenAuthenticator(store)
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const secret = request.headers.authorization === undefined ? sessionCookieOf(request) : undefined
    if (secret !== undefined) {
      const session = await sessions.authenticate(secret)
      if (!SAFE_METHODS.has(request.method)) {
        const given = request.headers[CSRF_HEADER]
        if (!csrfMatches(secret, typeof given === 'string' ? given : undefined)) {
          throw forbidden(`a change made with the session cookie needs the session's CSRF token in the ${CSRF_HEADER} header (GET /admin/v1/session gives it)`)
        }
      }
      request.adminSession = { ...session, secret }
      request.adminToken = session.token
      return
    }
    try {
      request.adminToken = await authenticator.authenticate(request.headers.authorization)
    } catch (e) {
      throw isScimError(e) && e.status === 401 ? explained(e.detail, request.headers.authorization) : e
    }
  }
}

/** A SCIM token sent here is a common mix-up; saying so costs nothing (it was refused either way). */
export function explained(detail: string, authorization: string | undefined) {
  const token = /^Bearer[ ]+(\S+)/i.exec(authorization ?? '')?.[1] ?? ''
  if (token.startsWith(TOKEN_PREFIX) && !token.startsWith(ADMIN_TOKEN_PREFIX)) {
    return unauthorized(`${detail}; this looks like a SCIM token or a credential, and the admin API takes admin tokens (${ADMIN_TOKEN_PREFIX}…)`)
  }
  return unauthorized(detail)
}

export function adminTokenOf(request: FastifyRequest): AdminTokenRecord {
  if (!request.adminToken) throw new TypeError('admin route reached without authentication')
  return request.adminToken
}

export function tenantOf(request: FastifyRequest): Tenant {
  if (!request.adminTenant) throw new TypeError('tenant route reached without its tenant')
  return request.adminTenant
}

/** Only an instance token may act on the instance as a whole (create tenants). */
export function requireInstanceToken(request: FastifyRequest, doing: string): void {
  if (adminTokenOf(request).tenantId !== null) {
    throw forbidden(`${doing} needs an instance admin token; this token is scoped to one tenant`)
  }
}

const SLUGGED = /^(organization|enterprise):(.*)$/

/**
 * The tenant a key names — `instance`, `organization:<slug>`, `enterprise:<slug>` or the
 * tenant's id — if the token may reach it; 404 otherwise, the same for both.
 */
export async function findAllowedTenant(store: Store, token: AdminTokenRecord, key: string): Promise<Tenant> {
  const tenant = await lookUp(store, key)
  if (!tenant || (token.tenantId !== null && token.tenantId !== tenant.id)) {
    throw notFound(`there is no tenant '${key}'; name one as instance, organization:<slug>, enterprise:<slug> or by its id`)
  }
  return tenant
}

async function lookUp(store: Store, key: string): Promise<Tenant | undefined> {
  if (!storableKey(key)) return undefined
  if (key === 'instance') return store.findTenant('instance', '')
  const slugged = SLUGGED.exec(key)
  if (slugged) return store.findTenant(slugged[1] as 'organization' | 'enterprise', slugged[2]!)
  return store.getTenant(key)
}

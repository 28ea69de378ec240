/**
 * Sessions of the admin UI: sign in with an admin token, read the session (and its CSRF
 * token), sign out. A browser keeps the session in an HttpOnly cookie (session-cookie.ts);
 * everything else of the admin API accepts that cookie in place of a bearer token (auth.ts).
 */
import type { FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import { csrfTokenOf, type AdminSessions } from '../../../provisioning/admin-sessions.js'
import { isScimError, unauthorized } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import type { AdminTokenRecord } from '../../../store/records/admin-token.js'
import { explained } from '../auth.js'
import type { AdminScope } from '../index.js'
import { ERRORS } from '../problem.js'
import { Body, named, NoContent, Nullable, Timestamp } from '../schemas.js'
import { tenantKey } from './tenants.js'
import { clearedSessionCookie, CSRF_HEADER, sessionCookie, sessionCookieOf } from '../session-cookie.js'

const TAGS = ['session']

const SessionSchema = Type.Object(
  {
    csrfToken: Type.String({ description: `Send it in the ${CSRF_HEADER} header with every POST, PUT, PATCH and DELETE made with the session cookie` }),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    idleExpiresAt: Timestamp,
    adminToken: Type.Object({ id: Type.String(), name: Type.String(), hint: Type.String() }),
    tenant: Nullable(Type.String(), 'The one tenant the session reaches (its key), or null: every tenant'),
  },
  { description: 'The signed-in session; the session secret itself stays in the HttpOnly cookie' },
)
const Session = named('AdminSession', SessionSchema)

async function scopeOf(store: Store, token: AdminTokenRecord): Promise<string | null> {
  if (token.tenantId === null) return null
  const tenant = await store.getTenant(token.tenantId)
  return tenant ? tenantKey(tenant) : token.tenantId
}

async function view(
  store: Store,
  secret: string,
  s: { record: { createdAt: string; expiresAt: string }; token: AdminTokenRecord; idleExpiresAt: string },
): Promise<Static<typeof SessionSchema>> {
  return {
    csrfToken: csrfTokenOf(secret),
    createdAt: s.record.createdAt,
    expiresAt: s.record.expiresAt,
    idleExpiresAt: s.idleExpiresAt,
    adminToken: { id: s.token.id, name: s.token.name, hint: s.token.hint },
    tenant: await scopeOf(store, s.token),
  }
}

const sessionOf = (request: FastifyRequest) => {
  if (!request.adminSession) throw unauthorized('this request carries no admin UI session (it was made with a bearer token, or without the session cookie)')
  return request.adminSession
}

/** Signing in: the one admin route that needs no authentication, since it is how one gets it. */
export function registerSignInRoute(api: AdminScope, store: Store, sessions: AdminSessions, now: () => number): void {
  api.post(
    '/session',
    {
      schema: {
        tags: TAGS,
        operationId: 'createSession',
        summary: 'Sign in to the admin UI with an admin token; the session is set as an HttpOnly cookie',
        security: [],
        body: Body({ token: Type.String({ minLength: 1, maxLength: 200, description: 'An admin token (roster_admin_…)' }) }),
        response: { 201: Session, ...ERRORS },
      },
    },
    async (request, reply) => {
      // Only application/json bodies are parsed here, which a page of another site cannot
      // send without a CORS preflight this server never allows: no one signs a browser in
      // behind its user's back.
      const { token } = request.body
      let opened
      try {
        opened = await sessions.open(token)
      } catch (e) {
        throw isScimError(e) && e.status === 401 ? explained(e.detail, `Bearer ${token}`) : e
      }
      const previous = sessionCookieOf(request)
      if (previous !== undefined) await sessions.closeBySecret(previous)
      reply.header('set-cookie', sessionCookie(request, opened.secret, opened.record.expiresAt, now()))
      reply.header('cache-control', 'no-store')
      const active = { ...opened, idleExpiresAt: sessions.idleEndOf(opened.record) }
      return reply.code(201).send(await view(store, opened.secret, active))
    },
  )
}

export function registerSessionRoutes(api: AdminScope, store: Store, sessions: AdminSessions): void {
  api.get(
    '/session',
    {
      schema: {
        tags: TAGS,
        operationId: 'getSession',
        summary: 'The session the cookie holds, with its CSRF token',
        response: { 200: Session, ...ERRORS },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request)
      reply.header('cache-control', 'no-store')
      return view(store, session.secret, session)
    },
  )

  api.delete(
    '/session',
    {
      schema: {
        tags: TAGS,
        operationId: 'deleteSession',
        summary: 'Sign out: the session ends and its cookie is cleared',
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      await sessions.close(sessionOf(request).record)
      return reply.code(204).header('set-cookie', clearedSessionCookie(request)).send(null)
    },
  )
}

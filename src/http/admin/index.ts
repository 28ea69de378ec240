/**
 * The admin REST API, mounted at /admin/v1: tenants and their settings, SCIM tokens, accounts
 * and their credentials, identities and invitations, teams, the email outbox and templates.
 * JSON in and out; errors are RFC 9457 problem details; the OpenAPI 3.1 document at
 * /admin/v1/openapi.json is generated from the same schemas that validate each request.
 */
import fastifySwagger from '@fastify/swagger'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { notFound } from '../../scim/errors.js'
import { assertSafeObject } from '../../scim/json/safe-object.js'
import { AdminSessions, type SessionLimits } from '../../provisioning/admin-sessions.js'
import type { Store } from '../../store/contract.js'
import { authenticateAdmin, findAllowedTenant, adminTokenOf } from './auth.js'
import { problemHandler, problemOf, sendProblem } from './problem.js'
import { NAMED_SCHEMAS } from './schemas.js'
import { assertStorableText, refuseUnstorableInput } from './storable-input.js'
import { registerAccountRoutes } from './routes/accounts.js'
import { registerConnectionTestRoutes, type ConnectionTestRouteOptions } from './routes/connection-test.js'
import { registerCredentialRoutes } from './routes/credentials.js'
import { registerEmailTemplateRoutes } from './routes/email-templates.js'
import { registerEventRoutes } from './routes/events.js'
import { registerEventHeadRoute, registerEventTypeRoutes } from './routes/event-types.js'
import { registerInvitationRoutes } from './routes/invitations.js'
import { registerLoginHistoryRoutes } from './routes/login-history.js'
import { registerOutboxRoutes } from './routes/outbox.js'
import { registerProvisioningLogRoutes } from './routes/provisioning-log.js'
import { registerScimGroupRoutes } from './routes/scim-groups.js'
import { registerScimTokenRoutes } from './routes/scim-tokens.js'
import { registerScimUserRoutes } from './routes/scim-users.js'
import { registerSessionRoutes, registerSignInRoute } from './routes/session.js'
import { registerTenantHealthRoutes } from './routes/tenant-health.js'
import { registerTeamRoutes } from './routes/teams.js'
import { registerTenantRoutes, registerTenantScopeRoutes } from './routes/tenants.js'
import { registerWebhookRoutes } from './routes/webhooks.js'
import { registerWebhookStatusRoutes } from './routes/webhook-status.js'

export const ADMIN_PREFIX = '/admin/v1'

/** As for SCIM bodies (app.ts): no admin body nests anywhere near this deep. */
const MAX_BODY_DEPTH = 32

export interface AdminApiOptions {
  readonly store: Store
  /** The admin UI's session lifetimes (default: 30 minutes idle, 12 hours at most). */
  readonly sessionLimits?: SessionLimits
  /** The clock sessions expire by; tests move it instead of waiting. */
  readonly now?: () => number
  /** What the connection test needs of the SCIM side (absent: no connection-test route). */
  readonly connectionTest?: ConnectionTestRouteOptions
}

/** A scope of the admin API, typed by its TypeBox schemas. */
export type AdminScope = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>

const notFoundProblem = (request: FastifyRequest, reply: FastifyReply) =>
  sendProblem(reply, problemOf(notFound(`no such endpoint: ${request.method} ${request.url.split('?')[0]}`)))

interface OpenApiPaths {
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: unknown[] } }> } }>>
}

/**
 * The plugin marks every request body required; a body whose fields are all optional may be
 * left out (index.ts treats a missing body as `{}`), and the document says so.
 */
function optionalBodies<T extends OpenApiPaths>(document: T): T {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody
      const schema = body?.content?.['application/json']?.schema
      if (body && schema && !schema.required?.length) body.required = false
    }
  }
  return document
}

export async function adminApi(instance: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { store } = options
  const now = options.now ?? Date.now
  const sessions = new AdminSessions(store, { now, ...(options.sessionLimits && { limits: options.sessionLimits }) })
  const scope = instance.withTypeProvider<TypeBoxTypeProvider>()
  // TypeBox's compiler rather than Fastify's Ajv defaults: those coerce body values to the
  // declared type ("true" becomes true, "x" becomes ["x"]) and silently drop unknown fields,
  // where a typo must be a 400 naming the field. Query strings and path parameters are
  // converted to their declared types first (they arrive as text), bodies never.
  scope.setValidatorCompiler(TypeBoxValidatorCompiler)
  scope.setErrorHandler(problemHandler)
  scope.setNotFoundHandler(notFoundProblem)
  for (const schema of NAMED_SCHEMAS) scope.addSchema(schema)
  scope.decorateRequest('adminToken', null)
  scope.decorateRequest('adminTenant', null)
  scope.decorateRequest('adminSession', null)

  // JSON only (not application/scim+json: this is not SCIM). An empty body is no body, so a
  // POST whose fields are all optional may be sent without one.
  scope.removeAllContentTypeParsers()
  const parseJson = scope.getDefaultJsonParser('error', 'error')
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    if ((text as string).trim() === '') return done(null, undefined)
    parseJson(request, text as string, (error, value) => {
      if (error) return done(error, undefined)
      try {
        assertSafeObject(value, 'body', { maxDepth: MAX_BODY_DEPTH })
        assertStorableText(value, 'body')
        done(null, value)
      } catch (e) {
        done(e as Error, undefined)
      }
    })
  })
  scope.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {}
  })
  scope.addHook('preValidation', refuseUnstorableInput)

  await scope.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Roster admin API',
        version: '1',
        description:
          'Tenants, SCIM tokens, accounts, credentials, invitations, teams and email of a Roster server. ' +
          'Errors are RFC 9457 problem details; lists are paged with ?limit= and ?cursor=.',
      },
      // Where the API is mounted: /admin/v1, behind a host application's prefix when embedded.
      servers: [{ url: instance.prefix }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An admin token (roster_admin_…): `roster admin-token create --instance`, `--org <slug>` or `--enterprise <slug>`',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'roster_session',
            description: 'The admin UI session (POST /session); POST, PUT, PATCH and DELETE also need its x-csrf-token header',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transformObject: (document) => optionalBodies(('openapiObject' in document ? document.openapiObject : {}) as OpenApiPaths),
    // Shared schemas become components under their own names.
    refResolver: {
      buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  })

  // Public, like any API description: it holds no data, and clients fetch it before they have a token.
  scope.get('/openapi.json', { schema: { hide: true } }, async () => scope.swagger())

  registerSignInRoute(scope, store, sessions, now)

  await scope.register(async (api: AdminScope) => {
    api.addHook('onRequest', authenticateAdmin(store, sessions))
    registerSessionRoutes(api, store, sessions)
    registerTenantRoutes(api, store)
    registerEventTypeRoutes(api)
    await api.register(
      async (tenantScope: AdminScope) => {
        // After validation: a malformed request is refused the same whether or not its
        // tenant exists, so the order tells nothing about other tenants either.
        tenantScope.addHook('preHandler', async (request) => {
          const { t } = request.params as { t: string }
          request.adminTenant = await findAllowedTenant(store, adminTokenOf(request), t)
        })
        registerTenantScopeRoutes(tenantScope, store)
        registerScimTokenRoutes(tenantScope, store)
        registerAccountRoutes(tenantScope, store)
        registerCredentialRoutes(tenantScope, store)
        registerInvitationRoutes(tenantScope, store)
        registerTeamRoutes(tenantScope, store)
        registerOutboxRoutes(tenantScope, store)
        registerEmailTemplateRoutes(tenantScope, store)
        registerProvisioningLogRoutes(tenantScope, store)
        registerEventRoutes(tenantScope, store)
        registerEventHeadRoute(tenantScope, store)
        registerWebhookRoutes(tenantScope, store)
        registerWebhookStatusRoutes(tenantScope, store)
        registerScimUserRoutes(tenantScope, store)
        registerScimGroupRoutes(tenantScope, store)
        registerTenantHealthRoutes(tenantScope, store, now)
        registerLoginHistoryRoutes(tenantScope, store, now)
        if (options.connectionTest) registerConnectionTestRoutes(tenantScope, store, options.connectionTest)
      },
      { prefix: '/tenants/:t' },
    )
  })
}

/**
 * The admin API's connection test: the calls an IdP makes on "Test connection" and its first
 * sync (probes.ts), sent to the tenant's real SCIM routes and handlers through Fastify's
 * `inject` (no socket, no token), on a store that runs everything in one transaction which is
 * always rolled back (rollback-store.ts). Each step is answered exactly as the IdP would be
 * answered, and afterwards nothing of it remains: no resource, account, log entry, event,
 * email or webhook delivery (those are written in the transaction too, or only after a commit).
 *
 * The steps run back to back in that one transaction, in a few milliseconds. On SQLite it
 * holds the connection's write turn as any transaction does (other requests wait for it, as
 * for a Bulk request); on PostgreSQL, from the probe's create on, it holds the tenant's insert
 * lock (postgres-dialect.ts), so that tenant's creates wait for it and no other tenant's do. A
 * run that takes longer than MAX_RUN_MS stops and reports the rest as skipped.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import { settingsOf } from '../../provisioning/tenant-settings.js'
import { tenantBasePath } from '../../provisioning/tenants.js'
import type { SchemaRegistry } from '../../scim/schema/resource-types.js'
import type { Store, Tenant } from '../../store/contract.js'
import { scimDisabled } from '../authenticate.js'
import type { ScimContext } from '../context.js'
import { errorHandler } from '../error-handler.js'
import { useScimParsers } from '../roster-routes.js'
import { registerDiscoveryRoutes, type DiscoveryOptions } from '../routes/discovery.js'
import { registerResourceRoutes } from '../routes/resources.js'
import { newProbeState, probesFor, USER_AGENTS, type ConnectionTestIdp, type Probe, type ProbeState } from './probes.js'
import { RollbackTenantStore } from './rollback-store.js'

/** A run stops (and rolls back) after this long, however far it got. */
export const MAX_RUN_MS = 5_000

/** Names the run a request belongs to; only `inject` reaches the inner app, never the network. */
const RUN_HEADER = 'x-roster-connection-test'

export interface ScimFault {
  readonly status: number
  readonly scimType?: string
  readonly detail: string
}

export interface ConnectionTestStep {
  readonly name: string
  readonly method: Probe['method']
  /** The path the IdP would call, from the tenant's SCIM base path. */
  readonly path: string
  readonly requestBody?: unknown
  readonly expectedStatus: number
  /** Null when the step was not run. */
  readonly status: number | null
  readonly outcome: 'passed' | 'failed' | 'skipped'
  readonly result: string
  /** The SCIM error the server answered, when it answered one. */
  readonly error?: ScimFault
}

export interface ConnectionTestReport {
  readonly idp: ConnectionTestIdp
  readonly ok: boolean
  /** Always true: the run's writes were rolled back. */
  readonly rolledBack: true
  readonly steps: ConnectionTestStep[]
}

export interface ConnectionTestOptions extends DiscoveryOptions {
  readonly registry: SchemaRegistry
  readonly maxPayloadSize: number
  readonly maxResults: number
  readonly defaultCount: number
}

class RollBack extends Error {}

/** A Okta create carries a password: the report shows that one was sent, not what it was. */
function shown(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || !('password' in body)) return body
  return { ...body, password: '********' }
}

function faultOf(status: number, body: unknown): ScimFault | undefined {
  if (status < 400 || body === null || typeof body !== 'object') return undefined
  const b = body as { scimType?: unknown; detail?: unknown }
  return {
    status,
    ...(typeof b.scimType === 'string' && { scimType: b.scimType }),
    detail: typeof b.detail === 'string' ? b.detail : `HTTP ${status}`,
  }
}

export class ConnectionTester {
  readonly #store: Store
  readonly #options: ConnectionTestOptions
  readonly #log: FastifyBaseLogger
  readonly #runs = new Map<string, ScimContext>()
  #app?: Promise<FastifyInstance>

  constructor(store: Store, options: ConnectionTestOptions, log: FastifyBaseLogger) {
    this.#store = store
    this.#options = options
    this.#log = log
  }

  /** The tenant's SCIM routes and handlers, without authentication: `request.scim` is the run's. */
  #inner(): Promise<FastifyInstance> {
    return (this.#app ??= (async () => {
      const app = Fastify({ loggerInstance: this.#log })
      useScimParsers(app, this.#options.maxPayloadSize)
      app.decorateRequest('scim', null)
      app.decorateRequest('scimToken', null)
      app.decorateRequest('tolerances', null)
      app.decorateRequest('receivedAt', 0)
      app.setErrorHandler(errorHandler)
      app.addHook('onRequest', (request, _reply, done) => {
        const context = this.#runs.get(String(request.headers[RUN_HEADER]))
        if (!context) return done(new Error('connection test: no such run'))
        request.receivedAt = performance.now()
        // What the tenant's real endpoints answer a valid token when SCIM is off.
        if (!settingsOf(context.tenant).scimEnabled) return done(scimDisabled())
        request.scim = context
        done()
      })
      const limits = { defaultCount: this.#options.defaultCount, maxCount: this.#options.maxResults }
      registerResourceRoutes(app, 'User', limits)
      registerResourceRoutes(app, 'Group', limits)
      registerDiscoveryRoutes(app, this.#options)
      await app.ready()
      return app
    })())
  }

  async close(): Promise<void> {
    if (this.#app) await (await this.#app).close()
  }

  /** Runs the IdP's calls against `tenant` (as seen from `origin`) and rolls them all back. */
  async run(tenant: Tenant, idp: ConnectionTestIdp, origin: string): Promise<ConnectionTestReport> {
    const app = await this.#inner()
    const probes = probesFor(idp)
    let steps: ConnectionTestStep[] = []
    const started = performance.now()
    try {
      await this.#store.forTenant(tenant).transaction(async (tx) => {
        // Fresh on every attempt: PostgreSQL runs `fn` again after a deadlock it rolled back.
        const state = newProbeState()
        steps = []
        // Read in the transaction: settings changed a moment ago (SCIM turned off) apply.
        const current = await tx.currentTenant()
        const run = randomUUID()
        this.#runs.set(run, {
          tenant: current,
          store: new RollbackTenantStore(current, tx),
          baseUrl: origin + tenantBasePath(current),
          registry: this.#options.registry,
        })
        try {
          for (const probe of probes) {
            const stopped = steps.some((s) => s.outcome === 'failed')
              ? 'not run: an earlier step failed'
              : performance.now() - started > MAX_RUN_MS
                ? `not run: the test stopped after ${MAX_RUN_MS / 1000} seconds`
                : undefined
            steps.push(stopped ? this.#skipped(current, probe, state, stopped) : await this.#step(app, run, current, idp, probe, state))
          }
        } finally {
          this.#runs.delete(run)
        }
        // Always: whatever the steps wrote goes with the transaction.
        throw new RollBack()
      })
    } catch (e) {
      if (!(e instanceof RollBack)) throw e
    }
    return { idp, ok: steps.every((s) => s.outcome === 'passed'), rolledBack: true, steps }
  }

  #described(tenant: Tenant, probe: Probe, state: ProbeState) {
    const body = probe.body?.(state)
    return {
      name: probe.name,
      method: probe.method,
      path: tenantBasePath(tenant) + probe.path(state),
      ...(body !== undefined && { requestBody: shown(body) }),
      expectedStatus: probe.expect,
    }
  }

  #skipped(tenant: Tenant, probe: Probe, state: ProbeState, why: string): ConnectionTestStep {
    return { ...this.#described(tenant, probe, state), status: null, outcome: 'skipped', result: why }
  }

  async #step(app: FastifyInstance, run: string, tenant: Tenant, idp: ConnectionTestIdp, probe: Probe, state: ProbeState): Promise<ConnectionTestStep> {
    const described = this.#described(tenant, probe, state)
    const body = probe.body?.(state)
    const res = await app.inject({
      method: probe.method,
      url: probe.path(state),
      headers: {
        [RUN_HEADER]: run,
        'user-agent': USER_AGENTS[idp],
        accept: 'application/scim+json',
        ...(body !== undefined && { 'content-type': 'application/scim+json' }),
      },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    })
    let parsed: unknown
    try {
      parsed = res.body === '' ? undefined : JSON.parse(res.body)
    } catch {
      parsed = undefined
    }
    const error = faultOf(res.statusCode, parsed)
    if (res.statusCode === probe.tolerated?.status) {
      return { ...described, status: res.statusCode, outcome: 'passed', result: probe.tolerated.result }
    }
    if (res.statusCode !== probe.expect) {
      return {
        ...described,
        status: res.statusCode,
        outcome: 'failed',
        result: error ? 'the IdP would get the SCIM error below and stop' : `expected ${probe.expect}, got ${res.statusCode}`,
        ...(error && { error }),
      }
    }
    const checked = probe.check?.({ status: res.statusCode, body: parsed }, state) ?? { ok: true, result: `${res.statusCode} as expected` }
    return { ...described, status: res.statusCode, outcome: checked.ok ? 'passed' : 'failed', result: checked.result }
  }
}

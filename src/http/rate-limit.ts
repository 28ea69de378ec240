/**
 * Rate limits per SCIM token and per tenant (docs/operations.md): token buckets, each request
 * takes one token from its SCIM token's bucket and one from its tenant's; with either empty it
 * is answered 429 with `Retry-After`.
 *
 * One process keeps the buckets itself. With `--workers`, the cluster primary keeps them and
 * hands each worker a small lease of tokens at a time over IPC (ops/cluster.ts); a worker
 * spends its lease locally, so most requests cost no message and none costs a database write.
 * All workers together are admitted at most what the budget allows; a lease a worker holds but
 * does not use is the only slack, at most LEASE_FRACTION of a second's budget per worker.
 */
import cluster from 'node:cluster'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ScimError } from '../scim/errors.js'
import type { Metrics } from './metrics.js'
import { requestLease } from './ops/cluster.js'
import type { RateLimitSetting } from '../provisioning/rate-limit-setting.js'
import type { Tenant } from '../store/contract.js'
import { customBudget, profileRateLimits, type Budget, type RateLimits } from './ops/settings.js'
import { TokenBuckets } from './ops/token-bucket.js'

/** A worker leases this share of a second's budget (at least one token) at a time. */
export const LEASE_FRACTION = 0.02

export interface Refusal {
  readonly budget: 'token' | 'tenant'
  /** The budget spent: the server's, or the tenant's own (its `rateLimits` setting). */
  readonly limit: Budget
  readonly retryAfterSeconds: number
}

/** Admits a request (undefined) or says which budget is spent; a promise when it must ask. */
export interface RateLimiter {
  check(tokenId: string | undefined, tenant: Pick<Tenant, 'id' | 'settings'>): Refusal | undefined | Promise<Refusal | undefined>
}

/** Resolved limits by the tenant's `rateLimits` setting object (tenant records are cached, so these are few). */
const resolved = new WeakMap<object, RateLimits>()

/**
 * The limits a tenant's requests spend from: the server's unless the tenant's `rateLimits`
 * setting (provisioning/rate-limit-setting.ts) names a profile or budgets of its own.
 */
export function limitsFor(server: RateLimits, tenant: Pick<Tenant, 'settings'>): RateLimits {
  const setting = tenant.settings.rateLimits as RateLimitSetting | undefined
  if (setting === undefined || setting.profile === 'server') return server
  let limits = resolved.get(setting)
  if (limits === undefined) {
    limits =
      setting.profile === 'custom'
        ? {
            token: setting.token ? customBudget(setting.token.requests, setting.token.per, setting.token.burst) : undefined,
            tenant: setting.tenant ? customBudget(setting.tenant.requests, setting.tenant.per, setting.tenant.burst) : undefined,
          }
        : profileRateLimits(setting.profile)
    resolved.set(setting, limits)
  }
  return limits
}

interface Ask {
  readonly budget: 'token' | 'tenant'
  readonly key: string
  readonly limit: Budget
}

function asks(server: RateLimits, tokenId: string | undefined, tenant: Pick<Tenant, 'id' | 'settings'>): Ask[] {
  const limits = limitsFor(server, tenant)
  const tenantId = tenant.id
  const out: Ask[] = []
  if (limits.token && tokenId !== undefined) out.push({ budget: 'token', key: `token:${tokenId}`, limit: limits.token })
  if (limits.tenant) out.push({ budget: 'tenant', key: `tenant:${tenantId}`, limit: limits.tenant })
  return out
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

/** One process: the buckets are here, and every check is synchronous. */
export class LocalRateLimiter implements RateLimiter {
  readonly #limits: RateLimits
  readonly #buckets = new TokenBuckets()

  constructor(limits: RateLimits) {
    this.#limits = limits
  }

  check(tokenId: string | undefined, tenant: Pick<Tenant, 'id' | 'settings'>, now = Date.now()): Refusal | undefined {
    const wanted = asks(this.#limits, tokenId, tenant)
    for (const ask of wanted) {
      if (this.#buckets.available(ask.key, ask.limit, now) < 1) {
        return { budget: ask.budget, limit: ask.limit, retryAfterSeconds: seconds(this.#buckets.waitMs(ask.key, ask.limit, now)) }
      }
    }
    // Both or neither: a request refused by its tenant's budget does not use up its token's.
    for (const ask of wanted) this.#buckets.spend(ask.key, 1)
    return undefined
  }
}

/** A cluster worker: spends leases from the primary's buckets. */
export class LeasedRateLimiter implements RateLimiter {
  readonly #limits: RateLimits
  readonly #leases = new Map<string, number>()

  constructor(limits: RateLimits) {
    this.#limits = limits
  }

  check(tokenId: string | undefined, tenant: Pick<Tenant, 'id' | 'settings'>): Refusal | undefined | Promise<Refusal | undefined> {
    const wanted = asks(this.#limits, tokenId, tenant)
    const short = wanted.filter((ask) => (this.#leases.get(ask.key) ?? 0) < 1)
    if (short.length === 0) return this.#spend(wanted)
    return requestLease(short.map((ask) => ({ key: ask.key, rate: ask.limit.rate, burst: ask.limit.burst, want: leaseSize(ask.limit) }))).then(
      (grants) => {
        for (const [i, grant] of grants.entries()) {
          const key = short[i]!.key
          this.#leases.set(key, (this.#leases.get(key) ?? 0) + grant.granted)
        }
        const empty = short.findIndex((ask) => (this.#leases.get(ask.key) ?? 0) < 1)
        if (empty === -1) return this.#spend(wanted)
        return { budget: short[empty]!.budget, limit: short[empty]!.limit, retryAfterSeconds: seconds(grants[empty]!.waitMs) }
      },
      // The primary did not answer (it is shutting down): admit rather than fail requests.
      () => undefined,
    )
  }

  #spend(wanted: readonly Ask[]): undefined {
    for (const ask of wanted) {
      const left = this.#leases.get(ask.key)! - 1
      if (left < 1) this.#leases.delete(ask.key)
      else this.#leases.set(ask.key, left)
    }
    return undefined
  }
}

export const leaseSize = (budget: Budget) => Math.max(1, Math.floor(Math.min(budget.rate, budget.burst) * LEASE_FRACTION))

/** Always one, even with the server's limits off: a tenant may set limits of its own. */
export function rateLimiter(limits: RateLimits): RateLimiter {
  return cluster.isWorker ? new LeasedRateLimiter(limits) : new LocalRateLimiter(limits)
}

function tooMany(refusal: Refusal): ScimError {
  const budget = refusal.limit
  const whose = refusal.budget === 'token' ? "this token's" : "this tenant's (all its tokens together)"
  const s = refusal.retryAfterSeconds
  return new ScimError(
    429,
    undefined,
    `too many requests: ${whose} rate limit of ${budget.text} (bursts of up to ${budget.burst.toLocaleString('en-US')}) ` +
      `is used up; retry after ${s} second${s === 1 ? '' : 's'}`,
    { 'Retry-After': String(s) },
  )
}

/** The `onRequest` hook of a tenant's SCIM routes, after authentication. */
export function rateLimitHook(limiter: RateLimiter, metrics: Metrics) {
  const refuse = (refusal: Refusal | undefined, done: (error?: Error) => void) => {
    if (refusal === undefined) return done()
    metrics.rateLimited.inc({ budget: refusal.budget })
    done(tooMany(refusal))
  }
  // Callback style: a request within its lease is admitted synchronously, without a promise.
  return function rateLimit(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    const tenant = request.scim?.tenant
    if (tenant === undefined) return done()
    const verdict = limiter.check(request.scimToken?.id, tenant)
    if (verdict instanceof Promise) verdict.then((v) => refuse(v, done), done)
    else refuse(verdict, done)
  }
}

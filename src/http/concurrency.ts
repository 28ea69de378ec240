/**
 * Concurrency caps (docs/operations.md): at most `caps.tenant` requests of one tenant, and
 * `caps.token` of one SCIM token, are in flight at once in a server process, so one tenant's
 * Bulk storm holds a bounded share of the database connections and the event loop and cannot
 * starve another tenant. A request over a cap waits in its tenant's queue (first come, first
 * served, skipping requests whose token is still at its cap) for at most `caps.waitMs`, then
 * gets 503; when the queue already holds `caps.queue` requests it gets 429 at once. Both carry
 * `Retry-After`. A slot is taken before the body is read, so waiting requests hold no bodies.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ScimError } from '../scim/errors.js'
import type { Metrics } from './metrics.js'
import type { ConcurrencyCaps } from './ops/settings.js'

/** Seconds a refused client is told to wait. */
export const CONCURRENCY_RETRY_AFTER_SECONDS = 1

export type Release = () => void

interface Waiter {
  readonly token: string | undefined
  readonly admit: (release: Release) => void
  readonly timer: NodeJS.Timeout | undefined
}

interface TenantGate {
  inFlight: number
  readonly queue: Waiter[]
}

export class ConcurrencyLimiter {
  readonly #caps: ConcurrencyCaps
  readonly #metrics: Metrics | undefined
  readonly #tenants = new Map<string, TenantGate>()
  readonly #tokens = new Map<string, number>()

  constructor(caps: ConcurrencyCaps, metrics?: Metrics) {
    this.#caps = caps
    this.#metrics = metrics
    const tenants = this.#tenants
    metrics?.gauge({
      name: 'roster_concurrency_requests',
      help: 'SCIM requests holding a concurrency slot (in_flight) and waiting for one (waiting), all tenants together',
      labelNames: ['state'],
      aggregator: 'sum',
      collect() {
        let inFlight = 0
        let waiting = 0
        for (const gate of tenants.values()) {
          inFlight += gate.inFlight
          waiting += gate.queue.length
        }
        this.set({ state: 'in_flight' }, inFlight)
        this.set({ state: 'waiting' }, waiting)
      },
    })
  }

  /** Requests of `tenant` in flight and waiting now. */
  state(tenant: string): { inFlight: number; waiting: number } {
    const gate = this.#tenants.get(tenant)
    return { inFlight: gate?.inFlight ?? 0, waiting: gate?.queue.length ?? 0 }
  }

  /** A slot (its release), at once when one is free; throws or rejects a ScimError when refused. */
  acquire(tenant: string, token: string | undefined): Release | Promise<Release> {
    let gate = this.#tenants.get(tenant)
    if (gate === undefined) this.#tenants.set(tenant, (gate = { inFlight: 0, queue: [] }))
    // Waiters that would fit are admitted at every release: any still waiting are held by
    // their own token's cap, and a request that fits need not wait behind them.
    if (this.#fits(gate, token)) return this.#take(tenant, gate, token)
    if (gate.queue.length >= this.#caps.queue) {
      this.#metrics?.concurrencyRefused.inc({ reason: 'queue_full' })
      throw refusal(
        429,
        `too many concurrent requests: this tenant has ${gate.inFlight} in flight (at most ${this.#caps.tenant}` +
          `${this.#caps.token ? `, ${this.#caps.token} per token` : ''}) and ${gate.queue.length} waiting, as many as may wait`,
      )
    }
    this.#metrics?.queued.inc()
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        token,
        admit: resolve,
        timer: setTimeout(() => {
          const at = gate.queue.indexOf(waiter)
          if (at !== -1) gate.queue.splice(at, 1)
          this.#metrics?.concurrencyRefused.inc({ reason: 'waited_too_long' })
          reject(
            refusal(
              503,
              `too many concurrent requests: this request waited ${this.#caps.waitMs} ms for one of this tenant's ` +
                `${this.#caps.tenant} slots${this.#caps.token ? ` (${this.#caps.token} per token)` : ''} and none came free`,
            ),
          )
          this.#forget(tenant, gate)
        }, this.#caps.waitMs),
      }
      gate.queue.push(waiter)
    })
  }

  #fits(gate: TenantGate, token: string | undefined): boolean {
    if (this.#caps.tenant > 0 && gate.inFlight >= this.#caps.tenant) return false
    return this.#caps.token === 0 || token === undefined || (this.#tokens.get(token) ?? 0) < this.#caps.token
  }

  #take(tenant: string, gate: TenantGate, token: string | undefined): Release {
    gate.inFlight++
    if (token !== undefined) this.#tokens.set(token, (this.#tokens.get(token) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      gate.inFlight--
      if (token !== undefined) {
        const n = this.#tokens.get(token)! - 1
        if (n === 0) this.#tokens.delete(token)
        else this.#tokens.set(token, n)
      }
      this.#admitWaiting(tenant, gate)
    }
  }

  #admitWaiting(tenant: string, gate: TenantGate): void {
    for (let i = 0; i < gate.queue.length; ) {
      const waiter = gate.queue[i]!
      if (!this.#fits(gate, waiter.token)) {
        if (this.#caps.tenant > 0 && gate.inFlight >= this.#caps.tenant) break
        i++
        continue
      }
      gate.queue.splice(i, 1)
      clearTimeout(waiter.timer)
      waiter.admit(this.#take(tenant, gate, waiter.token))
    }
    this.#forget(tenant, gate)
  }

  #forget(tenant: string, gate: TenantGate): void {
    if (gate.inFlight === 0 && gate.queue.length === 0) this.#tenants.delete(tenant)
  }
}

const refusal = (status: 429 | 503, detail: string) =>
  new ScimError(status, undefined, `${detail}; retry after ${CONCURRENCY_RETRY_AFTER_SECONDS} second`, {
    'Retry-After': String(CONCURRENCY_RETRY_AFTER_SECONDS),
  })

declare module 'fastify' {
  interface FastifyRequest {
    /** Frees the request's concurrency slot; idempotent. Null when it holds none. */
    releaseSlot: Release | null
  }
}

export function capsEnabled(caps: ConcurrencyCaps): boolean {
  return caps.tenant > 0 || caps.token > 0
}

/**
 * The hooks of a tenant's SCIM routes: `onRequest` (after authentication and the rate limit)
 * takes a slot; `onResponse` frees it, and so does the connection closing, for a request whose
 * answer is never sent.
 */
export function concurrencyHooks(limiter: ConcurrencyLimiter) {
  const hold = (request: FastifyRequest, reply: FastifyReply, release: Release) => {
    request.releaseSlot = release
    reply.raw.once('close', release)
  }
  return {
    onRequest(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
      const tenant = request.scim?.tenant
      if (tenant === undefined) return done()
      let slot: Release | Promise<Release>
      try {
        slot = limiter.acquire(tenant.id, request.scimToken?.id)
      } catch (e) {
        return done(e as Error)
      }
      if (typeof slot === 'function') {
        hold(request, reply, slot)
        return done()
      }
      slot.then((release) => {
        // The client went away while it waited: the slot goes straight to the next one.
        if (reply.raw.destroyed || request.raw.destroyed) return release()
        hold(request, reply, release)
        done()
      }, done)
    },
    onResponse(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
      request.releaseSlot?.()
      done()
    },
  }
}

/**
 * What the accounts, lifecycle and teams workloads share: tenants of their own beside the
 * `bench` organization (whose figures stay comparable with earlier runs), prepared through the
 * domain services on the database the server runs on, from this process — SQLite in WAL mode
 * and PostgreSQL both allow a second writer — while the server keeps running:
 *
 * - `bench-ent`, an enterprise with accounts (the default): every create makes an account and
 *   writes a welcome email; its users are the population of the deactivation, team PATCH and
 *   team link workloads;
 * - `bench-plain`, an enterprise with `accounts: false`: the plain SCIM create;
 * - `bench-org`, an organization with accounts: every create writes an invitation and its email.
 */
import { issueToken } from '../../src/provisioning/tokens.js'
import { changedSettings } from '../../src/provisioning/tenant-settings.js'
import { createTenant, tenantBasePath } from '../../src/provisioning/tenants.js'
import type { Store, Tenant, TenantStore } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import { measure, type BenchContext, type Discovered, type Measured } from '../context.js'
import { groupBody, type PlannedRequest } from '../plan.js'
import type { Row } from '../report.js'
import { scimHeaders } from '../server.js'
import { loadUsers } from './load-users.js'

export type TenantName = 'enterprise' | 'plain' | 'organization'

export interface BenchTenant {
  readonly name: TenantName
  readonly tenant: Tenant
  readonly store: TenantStore
  readonly endpoint: Measured
  /** userName of user n is userName(prefix, n). */
  readonly prefix: string
  /** `ids[n]`: the SCIM id of user n, null where its create failed. */
  readonly ids: (string | null)[]
  readonly discovered: Discovered
}

const SPECS: Readonly<Record<TenantName, { kind: 'enterprise' | 'organization'; slug: string; prefix: string; accounts: boolean }>> = {
  enterprise: { kind: 'enterprise', slug: 'bench-ent', prefix: 'ent', accounts: true },
  plain: { kind: 'enterprise', slug: 'bench-plain', prefix: 'plain', accounts: false },
  organization: { kind: 'organization', slug: 'bench-org', prefix: 'org', accounts: true },
}

/** A context whose SCIM endpoint, users and loading choices are the tenant's. */
export function tenantContext(ctx: BenchContext, t: BenchTenant): BenchContext {
  return { ...ctx, scim: t.endpoint, userIds: t.ids, userNamePrefix: t.prefix, discovered: t.discovered }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in order. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane))
  return results
}

const SETUP_MAX_MS = 20 * 60_000

/**
 * Sends `requests` (preparation, not measured) and returns the ids they created; the first
 * failure ends the workload with its answer.
 */
export async function sendAll(
  ctx: BenchContext,
  endpoint: Measured,
  what: string,
  requests: readonly PlannedRequest[],
  connections = ctx.options.patchConnections,
): Promise<(string | null)[]> {
  if (requests.length === 0) return []
  const { measurement, result } = await measure(ctx, endpoint, {
    plan: { kind: 'list', requests },
    warmup: { requests: 0 },
    measure: { requests: requests.length },
    connections,
    collectIds: true,
    maxMs: SETUP_MAX_MS,
  })
  if (measurement.errors > 0 || measurement.requests < requests.length) {
    const sample = measurement.errorSamples[0] ?? 'no answer'
    throw new Error(`${what}: ${measurement.errors} of ${requests.length} requests failed, e.g. ${sample}`)
  }
  return result.ids ?? []
}

/** Creates groups named `<tenant prefix><name>-<g>`; their ids, in order. */
export async function createGroupsIn(ctx: BenchContext, t: BenchTenant, name: string, count: number): Promise<string[]> {
  const requests: PlannedRequest[] = Array.from({ length: count }, (_, g) => ({
    method: 'POST',
    path: `${t.endpoint.basePath}/Groups`,
    body: groupBody(`${t.prefix}${name}-${g}`),
  }))
  const ids = await sendAll(ctx, t.endpoint, `creating ${count} groups ${name}`, requests)
  if (ids.length !== count || ids.some((id) => id === null)) throw new Error(`creating groups ${name}: some answers carried no id`)
  return ids as string[]
}

export class AccountsBench {
  readonly store: Store
  readonly #ctx: BenchContext
  readonly #tenants = new Map<TenantName, BenchTenant>()
  /** Enterprise users handed out so far (each workload gets users no other one touched). */
  #taken = 0
  /** Enterprise users suspended by a workload (they join no team). */
  readonly suspended = new Set<string>()

  private constructor(ctx: BenchContext, store: Store) {
    this.#ctx = ctx
    this.store = store
  }

  static async open(ctx: BenchContext): Promise<AccountsBench> {
    if (ctx.database === undefined) {
      throw new Error('needs the database of a Roster the benchmark started (not available with --target)')
    }
    return new AccountsBench(ctx, await openStore(ctx.database, { mustExist: true, poolSize: 8 }))
  }

  /** The tenant, created (with its settings and a SCIM token) on first use. */
  async tenant(name: TenantName): Promise<BenchTenant> {
    const known = this.#tenants.get(name)
    if (known !== undefined) return known
    const spec = SPECS[name]
    let tenant = await createTenant(this.store, spec.kind, spec.slug)
    if (!spec.accounts) {
      // Before the tenant's first request, so that no process has a view of it with accounts.
      const updated = await this.store.updateTenantSettings(tenant.id, changedSettings(tenant, { accounts: false }))
      if (updated === undefined) throw new Error(`tenant ${spec.slug} vanished while its settings were set`)
      tenant = updated
    }
    const { token } = await issueToken(this.store, tenant, { name: 'bench' })
    const scim = this.#ctx.scim
    const endpoint: Measured = {
      origin: scim.origin,
      basePath: tenantBasePath(tenant),
      headers: scimHeaders(token),
      description: `${spec.kind} ${spec.slug}`,
    }
    if (scim.pgid !== undefined) endpoint.pgid = scim.pgid
    const t: BenchTenant = {
      name,
      tenant,
      store: this.store.forTenant(tenant),
      endpoint,
      prefix: spec.prefix,
      ids: [],
      discovered: this.#loading(),
    }
    this.#tenants.set(name, t)
    this.#ctx.log(`accounts: created the ${spec.kind} ${spec.slug}${spec.accounts ? '' : ' (accounts: false)'}`)
    return t
  }

  /**
   * How a tenant's users are loaded: as the run loads the `bench` organization's when that was
   * decided, else with POST /Users unless --load-with says bulk. No Bulk probe here: where
   * creates commit one at a time (PostgreSQL with accounts), a Bulk of 1,000 outlasts the load
   * generator's 30-second answer timeout on 4 connections, and the probe's users would be lost.
   */
  #loading(): Discovered {
    const { discovered, options } = this.#ctx
    return { ...discovered, loadWith: discovered.loadWith ?? (options.loadWith === 'bulk' ? 'bulk' : 'post') }
  }

  /** Grows the enterprise to `count` users (POST /Users or /Bulk, as the run loads); info rows. */
  async enterpriseUsers(count: number): Promise<Row[]> {
    const ent = await this.tenant('enterprise')
    if (ent.ids.length >= count) return []
    this.#ctx.log(`accounts: loading the enterprise to ${count} users`)
    const rows = await loadUsers(tenantContext(this.#ctx, ent), count)
    for (const row of rows) {
      row.workload = 'accounts'
      row.label = row.label.replace('load users', 'load enterprise users')
    }
    return rows
  }

  /**
   * `count` enterprise users no other workload was given (skipping any whose create failed),
   * or an error naming the shortfall.
   */
  take(count: number): string[] {
    const ids = this.#tenants.get('enterprise')?.ids ?? []
    const taken: string[] = []
    let at = this.#taken
    for (; at < ids.length && taken.length < count; at++) {
      const id = ids[at]
      if (id !== null && id !== undefined) taken.push(id)
    }
    if (taken.length < count) {
      throw new Error(`needs ${count} more enterprise users after the first ${this.#taken}; the enterprise has ${ids.length}`)
    }
    this.#taken = at
    return taken
  }

  /** Account ids of the tenant's SCIM users, in order (an error if one has none). */
  async accountIds(t: BenchTenant, scimUserIds: readonly string[]): Promise<string[]> {
    const out: string[] = []
    for (let from = 0; from < scimUserIds.length; from += 500) {
      const chunk = scimUserIds.slice(from, from + 500)
      const found = await t.store.transaction(async (tx) => {
        const ids: string[] = []
        for (const id of chunk) {
          const account = await tx.accounts.byScimUser(id)
          if (account === undefined) throw new Error(`SCIM user ${id} of ${t.tenant.slug} has no account`)
          ids.push(account.id)
        }
        return ids
      })
      out.push(...found)
    }
    return out
  }

  async close(): Promise<void> {
    await this.store.close()
  }
}

/**
 * What the events workloads share (docs/benchmarks.md): enterprise tenants of their own beside
 * the `bench` organization, prepared through the domain services on the database the server
 * runs on, from this process, while the server keeps running:
 *
 * - `bench-events` and `bench-quiet`: the same enterprise (accounts on), with events on and
 *   with the tenant setting `events: false` (events-create);
 * - `bench-hooks`: events on, one webhook endpoint (webhook-delivery);
 * - `bench-feed`: a feed seeded through the store (feed-read);
 *
 * and an instance admin token for the admin API.
 */
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { changedSettings } from '../../src/provisioning/tenant-settings.js'
import { createTenant, tenantBasePath } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import type { Store, Tenant } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import type { BenchContext, Measured } from '../context.js'
import type { WorkloadName } from '../options.js'
import { scimHeaders } from '../server.js'

/** The workloads that run on these tenants. */
export const EVENT_WORKLOADS: readonly WorkloadName[] = ['events-create', 'webhook-delivery', 'feed-read']

export type EventsTenantName = 'events' | 'quiet' | 'hooks' | 'feed'

export interface EventsTenant {
  readonly name: EventsTenantName
  readonly tenant: Tenant
  /** The tenant's SCIM endpoint (its own token). */
  readonly endpoint: Measured
  /** userName of user n is userName(prefix, n). */
  readonly prefix: string
  /** Users created so far (the next create is user `created`). */
  created: number
}

const SPECS: Readonly<Record<EventsTenantName, { slug: string; prefix: string; events: boolean }>> = {
  events: { slug: 'bench-events', prefix: 'ev', events: true },
  quiet: { slug: 'bench-quiet', prefix: 'quiet', events: false },
  hooks: { slug: 'bench-hooks', prefix: 'hook', events: true },
  feed: { slug: 'bench-feed', prefix: 'feed', events: true },
}

export class EventsBench {
  readonly store: Store
  readonly #ctx: BenchContext
  readonly #tenants = new Map<EventsTenantName, EventsTenant>()
  #admin: Measured | undefined

  private constructor(ctx: BenchContext, store: Store) {
    this.#ctx = ctx
    this.store = store
  }

  static async open(ctx: BenchContext): Promise<EventsBench> {
    if (ctx.database === undefined) {
      throw new Error('needs the database of a Roster the benchmark started (not available with --target)')
    }
    return new EventsBench(ctx, await openStore(ctx.database, { mustExist: true, poolSize: 8 }))
  }

  /** The tenant, created (with its settings and a SCIM token) on first use. */
  async tenant(name: EventsTenantName): Promise<EventsTenant> {
    const known = this.#tenants.get(name)
    if (known !== undefined) return known
    const spec = SPECS[name]
    let tenant = await createTenant(this.store, 'enterprise', spec.slug)
    if (!spec.events) {
      // Before the tenant's first request, so that no process has a view of it with events on.
      const updated = await this.store.updateTenantSettings(tenant.id, changedSettings(tenant, { events: false }))
      if (updated === undefined) throw new Error(`tenant ${spec.slug} vanished while its settings were set`)
      tenant = updated
    }
    const { token } = await issueToken(this.store, tenant, { name: 'bench' })
    const scim = this.#ctx.scim
    const endpoint: Measured = {
      origin: scim.origin,
      basePath: tenantBasePath(tenant),
      headers: scimHeaders(token),
      description: `enterprise ${spec.slug}`,
    }
    if (scim.pgid !== undefined) endpoint.pgid = scim.pgid
    const t: EventsTenant = { name, tenant, endpoint, prefix: spec.prefix, created: 0 }
    this.#tenants.set(name, t)
    this.#ctx.log(`events: created the enterprise ${spec.slug}${spec.events ? '' : ' (events: false)'}`)
    return t
  }

  /** The admin API (`/admin/v1`) with an instance admin token. */
  async admin(): Promise<Measured> {
    if (this.#admin !== undefined) return this.#admin
    const { token } = await issueAdminToken(this.store, { name: 'bench' })
    const scim = this.#ctx.scim
    this.#admin = {
      origin: scim.origin,
      basePath: '/admin/v1',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      description: 'admin API',
    }
    if (scim.pgid !== undefined) this.#admin.pgid = scim.pgid
    return this.#admin
  }

  async close(): Promise<void> {
    await this.store.close()
  }
}

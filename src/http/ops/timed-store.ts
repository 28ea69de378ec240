/**
 * Database latency, measured at the store's boundary: every call a request makes on its
 * tenant's store (reads, `list`, `insert`, whole `transaction`s) is timed from the call to its
 * settling, so the figure includes what the request really waited for: a pooled PostgreSQL
 * connection, SQLite's write lock, a batch of creates. The stores' statement observer was the
 * other choice, but it sees a statement only as it starts (nothing says when it ends), and on
 * SQLite inside a synchronous batch where a timer would measure the batch, not the statement.
 */
import type { Store, Tenant, TenantStore } from '../../store/contract.js'

export type StoreObserver = (operation: string, seconds: number, ok: boolean) => void

const TIMED = new Set<PropertyKey>(['get', 'existing', 'members', 'memberPage', 'groupsOf', 'list', 'transaction', 'insert'])

/**
 * `store` with every tenant store it hands out timed. Proxies rather than classes that list
 * the contract's methods: a method added to the contract later passes through untimed
 * instead of breaking the build, and `this` stays the real store (its private fields need it).
 */
export function timedStore(store: Store, observe: StoreObserver): Store {
  const forTenant = (tenant: Tenant) => timedTenantStore(store.forTenant(tenant), observe)
  return passThrough(store, (prop) => (prop === 'forTenant' ? forTenant : undefined))
}

function timedTenantStore(inner: TenantStore, observe: StoreObserver): TenantStore {
  return passThrough(inner, (prop, value) => {
    if (!TIMED.has(prop) || typeof value !== 'function') return undefined
    const operation = String(prop)
    const call = (value as (...args: unknown[]) => Promise<unknown>).bind(inner)
    return (...args: unknown[]) => {
      const start = performance.now()
      const settled = call(...args)
      // A branch of its own that never rejects: the caller still gets (and handles) `settled`.
      settled.then(
        () => observe(operation, (performance.now() - start) / 1000, true),
        () => observe(operation, (performance.now() - start) / 1000, false),
      )
      return settled
    }
  })
}

/** A proxy of `target` whose methods are bound to it, `replace` deciding a property's stand-in. */
function passThrough<T extends object>(target: T, replace: (prop: PropertyKey, value: unknown) => unknown): T {
  const made = new Map<PropertyKey, unknown>()
  return new Proxy(target, {
    get(t, prop) {
      if (made.has(prop)) return made.get(prop)
      const value: unknown = Reflect.get(t, prop, t)
      let out = replace(prop, value)
      if (out === undefined) {
        if (typeof value !== 'function') return value
        out = (value as (...args: unknown[]) => unknown).bind(t)
      }
      made.set(prop, out)
      return out
    },
  })
}

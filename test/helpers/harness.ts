import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp } from '../../src/http/app.js'
import { configFromEnv, type ServerConfig } from '../../src/http/config.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import type { Store, Tenant } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import { testPostgres } from './test-postgres.js'

/**
 * Decided once per test file: whether PostgreSQL answers (ROSTER_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/test). Without it only SQLite runs, and
 * src/store/postgres/postgres-store.test.ts reports the skip; under CI=true this throws.
 */
const postgres = await testPostgres()

/**
 * The stores every HTTP test runs against; each entry opens a fresh, empty database (for
 * PostgreSQL, a schema of its own, emptied when the store closes).
 */
export const STORES: readonly { name: string; open: () => Promise<Store> }[] = [
  { name: 'sqlite', open: () => openStore('sqlite::memory:') },
  ...(postgres.available ? [{ name: 'postgres', open: () => postgres.postgres.openStore() }] : []),
]

export interface ScimResponse {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: any
  text: string
}

export interface Harness {
  app: FastifyInstance
  store: Store
  tenant: Tenant
  token: string
  /** The tenant's base path, e.g. `/scim/v2/organizations/acme`. */
  base: string
  /** A request to the tenant with its token; `path` is relative to the base unless it starts with `//`. */
  scim(method: InjectOptions['method'], path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>
  /** A raw request (no token added, no base prefix). */
  raw(options: InjectOptions): Promise<ScimResponse>
  close(): Promise<void>
}

export async function startHarness(
  open: () => Promise<Store>,
  config: Partial<ServerConfig> = {},
  slug = 'acme',
): Promise<Harness> {
  const store = await open()
  await store.migrate()
  const app = await buildApp({
    store,
    registry: defaultRegistry(),
    config: { ...configFromEnv({}), publicUrl: 'https://roster.test', ...config },
  })
  const tenant = await createTenant(store, 'organization', slug)
  const { token } = await issueToken(store, tenant)
  const base = `/scim/v2/organizations/${slug}`
  const raw = async (options: InjectOptions): Promise<ScimResponse> => {
    const res = await app.inject(options)
    let body: unknown
    try {
      body = res.body ? JSON.parse(res.body) : undefined
    } catch {
      body = undefined
    }
    return { status: res.statusCode, headers: res.headers, body, text: res.body }
  }
  return {
    app,
    store,
    tenant,
    token,
    base,
    raw,
    scim: (method, path, body, headers = {}) =>
      raw({
        method,
        url: path.startsWith('//') ? path.slice(1) : base + path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/scim+json' }),
          ...headers,
        },
        ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    close: async () => {
      await app.close()
      await store.close()
    },
  }
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

export const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  ...extra,
})

export const group = (displayName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [GROUP_SCHEMA],
  displayName,
  ...extra,
})

export const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations })

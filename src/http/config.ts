/** Configuration from the environment; CLI flags override it (cli/serve.ts). */
export interface ServerConfig {
  readonly port: number
  readonly host: string
  readonly databaseUrl: string
  /** Public base URL (scheme://host[:port]) used in `meta.location`; else taken from each request. */
  readonly publicUrl: string | undefined
  readonly logLevel: string
  /** Largest request body in bytes; also Bulk's advertised `maxPayloadSize`. */
  readonly maxPayloadSize: number
  readonly bulkMaxOperations: number
  /** RFC 7644 §3.4.2.4: the largest page a client gets, whatever `count` it asks for. */
  readonly maxResults: number
  readonly defaultCount: number
  readonly trustProxy: boolean
  /** How long a token looked up in the store is trusted before it is looked up again. */
  readonly tokenCacheMs: number
  /** PostgreSQL connections per server process, at most; unset: the store's default. */
  readonly databasePoolSize: number | undefined
  /** How long a client may take to send one whole request, headers and body; then 408. */
  readonly requestTimeoutMs: number
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/roster.db'

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`${name} must be a whole number, got '${value}'`)
  return n
}

function positive(name: string, value: string): number {
  const n = integer(name, value, 0)
  if (n === 0) throw new TypeError(`${name} must be a whole number of at least 1, got '${value}'`)
  return n
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: integer('ROSTER_PORT', env.ROSTER_PORT, 8080),
    host: env.ROSTER_HOST || '127.0.0.1',
    databaseUrl: env.ROSTER_DATABASE_URL || DEFAULT_DATABASE_URL,
    publicUrl: env.ROSTER_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    logLevel: env.ROSTER_LOG_LEVEL || 'info',
    maxPayloadSize: integer('ROSTER_MAX_PAYLOAD_SIZE', env.ROSTER_MAX_PAYLOAD_SIZE, 4 * 1024 * 1024),
    bulkMaxOperations: integer('ROSTER_BULK_MAX_OPERATIONS', env.ROSTER_BULK_MAX_OPERATIONS, 1000),
    maxResults: integer('ROSTER_MAX_RESULTS', env.ROSTER_MAX_RESULTS, 1000),
    defaultCount: integer('ROSTER_DEFAULT_COUNT', env.ROSTER_DEFAULT_COUNT, 100),
    trustProxy: env.ROSTER_TRUST_PROXY === 'true' || env.ROSTER_TRUST_PROXY === '1',
    tokenCacheMs: integer('ROSTER_TOKEN_CACHE_MS', env.ROSTER_TOKEN_CACHE_MS, 2000),
    databasePoolSize: env.ROSTER_DATABASE_POOL_SIZE
      ? positive('ROSTER_DATABASE_POOL_SIZE', env.ROSTER_DATABASE_POOL_SIZE)
      : undefined,
    requestTimeoutMs: env.ROSTER_REQUEST_TIMEOUT_MS
      ? positive('ROSTER_REQUEST_TIMEOUT_MS', env.ROSTER_REQUEST_TIMEOUT_MS)
      : 60_000,
  }
}

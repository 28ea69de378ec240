import { opsConfigFromEnv, type OpsConfig } from './ops/settings.js'

/**
 * Configuration from the environment; CLI flags override it (cli/serve.ts). Every variable is
 * listed in docs/configuration.md; a value Roster cannot use is refused at start (ConfigError),
 * not discovered at the first request.
 */
export interface ServerConfig extends OpsConfig {
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

/** A setting with a value Roster cannot use; the message names the variable and the value. */
export class ConfigError extends TypeError {
  override readonly name = 'ConfigError'
}

/** pino's levels; anything else would fail deep inside the logger with a message about its internals. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new ConfigError(`${name} must be a whole number, got '${value}'`)
  }
  return n
}

function positive(name: string, value: string): number {
  const n = integer(name, value, 0)
  if (n === 0) throw new ConfigError(`${name} must be a whole number of at least 1, got '${value}'`)
  return n
}

/** A TCP port; 0 asks the system for a free one. */
export function port(name: string, value: string | undefined, fallback: number): number {
  const n = integer(name, value, fallback)
  if (n > 65535) throw new ConfigError(`${name} must be a port number from 0 to 65535, got '${value}'`)
  return n
}

/**
 * The base of every `meta.location`: an absolute http(s) URL, as clients reach the server.
 * Without a scheme (`scim.example.com`) each location would be a relative path clients
 * misread, so it is refused rather than repaired by a guess at the scheme.
 */
function publicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  const refuse = (why: string) =>
    new ConfigError(
      `ROSTER_PUBLIC_URL must be an absolute http(s) URL such as https://scim.example.com (${why}), got '${value}'`,
    )
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw refuse('it does not parse as a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('the scheme must be https:// or http://')
  if (url.username || url.password) throw refuse('it must not hold a user name or password')
  if (url.search || url.hash) throw refuse('it must not have a query or fragment')
  // A path is kept: a proxy may serve Roster under a prefix.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false
  if (value === 'true' || value === '1') return true
  throw new ConfigError(`${name} must be true or false (1 or 0), got '${value}'`)
}

function logLevel(value: string | undefined): string {
  if (value === undefined || value === '') return 'info'
  if (!LOG_LEVELS.includes(value)) {
    throw new ConfigError(`ROSTER_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`)
  }
  return value
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: port('ROSTER_PORT', env.ROSTER_PORT, 8080),
    host: env.ROSTER_HOST || '127.0.0.1',
    databaseUrl: env.ROSTER_DATABASE_URL || DEFAULT_DATABASE_URL,
    publicUrl: publicUrl(env.ROSTER_PUBLIC_URL),
    logLevel: logLevel(env.ROSTER_LOG_LEVEL),
    maxPayloadSize: integer('ROSTER_MAX_PAYLOAD_SIZE', env.ROSTER_MAX_PAYLOAD_SIZE, 4 * 1024 * 1024),
    bulkMaxOperations: integer('ROSTER_BULK_MAX_OPERATIONS', env.ROSTER_BULK_MAX_OPERATIONS, 1000),
    maxResults: integer('ROSTER_MAX_RESULTS', env.ROSTER_MAX_RESULTS, 1000),
    defaultCount: integer('ROSTER_DEFAULT_COUNT', env.ROSTER_DEFAULT_COUNT, 100),
    trustProxy: flag('ROSTER_TRUST_PROXY', env.ROSTER_TRUST_PROXY),
    tokenCacheMs: integer('ROSTER_TOKEN_CACHE_MS', env.ROSTER_TOKEN_CACHE_MS, 2000),
    databasePoolSize: env.ROSTER_DATABASE_POOL_SIZE
      ? positive('ROSTER_DATABASE_POOL_SIZE', env.ROSTER_DATABASE_POOL_SIZE)
      : undefined,
    requestTimeoutMs: env.ROSTER_REQUEST_TIMEOUT_MS
      ? positive('ROSTER_REQUEST_TIMEOUT_MS', env.ROSTER_REQUEST_TIMEOUT_MS)
      : 60_000,
    // Metrics, rate limits and concurrency caps (docs/operations.md).
    ...opsConfigFromEnv(env),
  }
}

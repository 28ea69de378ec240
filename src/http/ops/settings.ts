/**
 * Settings of metrics, rate limits and concurrency caps (docs/operations.md), read from the
 * environment with the rest of the server's (config.ts). A value Roster cannot use is refused
 * at start, naming the variable and the value.
 */
// A cycle with config.ts, harmless: each uses the other only when called.
import { ConfigError, port } from '../config.js'

/** A token bucket: `rate` requests a second on average, at most `burst` at once. */
export interface Budget {
  readonly rate: number
  readonly burst: number
  /** How it was set, for the 429's detail: `1000 requests a second`. */
  readonly text: string
}

export interface RateLimits {
  /** Per SCIM token; undefined: no limit. */
  readonly token: Budget | undefined
  /** Per tenant, all its tokens together; undefined: no limit. */
  readonly tenant: Budget | undefined
}

export interface ConcurrencyCaps {
  /** Requests of one tenant in flight at once in one server process; 0: no cap. */
  readonly tenant: number
  /** Requests of one SCIM token (one client) in flight at once in one server process; 0: no cap. */
  readonly token: number
  /** Requests of one tenant that may wait for a slot; beyond them, 429 at once. */
  readonly queue: number
  /** How long a request waits for a slot before it is answered 503. */
  readonly waitMs: number
}

export interface OpsConfig {
  /** A second port serving only GET /metrics, without a token; undefined: none. */
  readonly metricsPort: number | undefined
  readonly metricsHost: string | undefined
  readonly rateLimits: RateLimits
  readonly concurrency: ConcurrencyCaps
}

export const RATE_LIMIT_PROFILES = ['default', 'github', 'off'] as const
export type Profile = (typeof RATE_LIMIT_PROFILES)[number]

const SECOND = 1
const MINUTE = 60
const HOUR = 3600

/**
 * `default` never slows an IdP: an Entra ID or Okta sync comes at well under a thousand
 * requests a second, and one Roster process serves 10,000–15,000 lookups a second; the
 * default budgets sit above both and only stop a runaway client. The caps bound how much of a
 * process one tenant holds (a Bulk storm waits its turn) without making a busy client's
 * requests queue: 32 connections (the benchmark's load) never wait. `github` follows GitHub's documented REST limits: 5,000 requests an
 * hour for a token, at most 100 concurrent requests.
 */
const PROFILES: Record<Profile, { rates: { token?: [number, number, number]; tenant?: [number, number, number] }; caps: ConcurrencyCaps }> = {
  default: {
    rates: { token: [25_000, SECOND, 50_000], tenant: [50_000, SECOND, 100_000] },
    caps: { tenant: 64, token: 32, queue: 1000, waitMs: 30_000 },
  },
  github: {
    rates: { token: [5000, HOUR, 5000], tenant: [15000, HOUR, 15000] },
    caps: { tenant: 100, token: 100, queue: 0, waitMs: 0 },
  },
  off: { rates: {}, caps: { tenant: 0, token: 0, queue: 0, waitMs: 0 } },
}

const UNITS: Record<string, { seconds: number; word: string }> = {
  s: { seconds: SECOND, word: 'second' },
  sec: { seconds: SECOND, word: 'second' },
  second: { seconds: SECOND, word: 'second' },
  m: { seconds: MINUTE, word: 'minute' },
  min: { seconds: MINUTE, word: 'minute' },
  minute: { seconds: MINUTE, word: 'minute' },
  h: { seconds: HOUR, word: 'hour' },
  hour: { seconds: HOUR, word: 'hour' },
}

const budget = (count: number, seconds: number, burst: number, word: string): Budget => ({
  rate: count / seconds,
  burst,
  text: `${count.toLocaleString('en-US')} requests ${word === 'hour' ? 'an' : 'a'} ${word}`,
})

const wordOf = (seconds: number) => (seconds === HOUR ? 'hour' : seconds === MINUTE ? 'minute' : 'second')

function whole(name: string, value: string, min: number): number {
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new ConfigError(`${name} must be a whole number of at least ${min}, got '${value}'`)
  }
  return n
}

/** `1000/s`, `600/min`, `5000/h` or `off`. Unless set, the burst is one period's count. */
function rate(name: string, value: string): { count: number; seconds: number; word: string } | 'off' {
  if (value.trim() === 'off') return 'off'
  const m = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/i.exec(value)
  const unit = m && UNITS[m[2]!.toLowerCase()]
  const count = m ? Number(m[1]) : NaN
  if (!m || !unit || !Number.isSafeInteger(count) || count < 1) {
    throw new ConfigError(
      `${name} must be a number of requests per second, minute or hour such as 1000/s, 600/min or 5000/h (or off), got '${value}'`,
    )
  }
  return { count, seconds: unit.seconds, word: unit.word }
}

function rateLimit(
  [name, value]: [string, string | undefined],
  [burstName, burstValue]: [string, string | undefined],
  preset: [number, number, number] | undefined,
): Budget | undefined {
  const set = value ? rate(name, value) : undefined
  if (set === 'off') return undefined
  const burstSet = burstValue ? whole(burstName, burstValue, 1) : undefined
  if (set) return budget(set.count, set.seconds, burstSet ?? set.count, set.word)
  if (!preset) return undefined
  const [count, seconds, burst] = preset
  return budget(count, seconds, burstSet ?? burst, wordOf(seconds))
}

/** A profile's budgets as shipped, without the environment's overrides (a tenant's `rateLimits`). */
export function profileRateLimits(profile: Profile): RateLimits {
  const { token, tenant } = PROFILES[profile].rates
  const of = (preset: [number, number, number] | undefined) => preset && budget(preset[0], preset[1], preset[2], wordOf(preset[1]))
  return { token: of(token), tenant: of(tenant) }
}

/** `requests` a `per`, at most `burst` at once: a tenant's own budget. */
export function customBudget(requests: number, per: 'second' | 'minute' | 'hour', burst: number | undefined): Budget {
  return budget(requests, per === 'hour' ? HOUR : per === 'minute' ? MINUTE : SECOND, burst ?? requests, per)
}

export function opsConfigFromEnv(env: NodeJS.ProcessEnv): OpsConfig {
  const profileName = env.ROSTER_RATE_LIMIT_PROFILE || 'default'
  if (!(RATE_LIMIT_PROFILES as readonly string[]).includes(profileName)) {
    throw new ConfigError(`ROSTER_RATE_LIMIT_PROFILE must be one of ${RATE_LIMIT_PROFILES.join(', ')}, got '${profileName}'`)
  }
  const profile = PROFILES[profileName as Profile]
  const cap = (name: string, value: string | undefined, fallback: number) => (value ? whole(name, value, 0) : fallback)
  return {
    metricsPort: env.ROSTER_METRICS_PORT ? port('ROSTER_METRICS_PORT', env.ROSTER_METRICS_PORT, 0) : undefined,
    metricsHost: env.ROSTER_METRICS_HOST || undefined,
    rateLimits: {
      token: rateLimit(
        ['ROSTER_RATE_LIMIT_TOKEN', env.ROSTER_RATE_LIMIT_TOKEN],
        ['ROSTER_RATE_LIMIT_TOKEN_BURST', env.ROSTER_RATE_LIMIT_TOKEN_BURST],
        profile.rates.token,
      ),
      tenant: rateLimit(
        ['ROSTER_RATE_LIMIT_TENANT', env.ROSTER_RATE_LIMIT_TENANT],
        ['ROSTER_RATE_LIMIT_TENANT_BURST', env.ROSTER_RATE_LIMIT_TENANT_BURST],
        profile.rates.tenant,
      ),
    },
    concurrency: {
      tenant: cap('ROSTER_CONCURRENCY_TENANT', env.ROSTER_CONCURRENCY_TENANT, profile.caps.tenant),
      token: cap('ROSTER_CONCURRENCY_TOKEN', env.ROSTER_CONCURRENCY_TOKEN, profile.caps.token),
      queue: cap('ROSTER_CONCURRENCY_QUEUE', env.ROSTER_CONCURRENCY_QUEUE, profile.caps.queue),
      waitMs: cap('ROSTER_CONCURRENCY_WAIT_MS', env.ROSTER_CONCURRENCY_WAIT_MS, profile.caps.waitMs),
    },
  }
}

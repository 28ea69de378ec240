/**
 * A tenant's own rate limits (the `rateLimits` tenant setting; docs/operations.md): the
 * server's budgets from the environment (`server`, the default), one of the profiles as
 * shipped (`default`, `github`, `off`), or budgets of its own per SCIM token and per tenant
 * (`custom`). http/rate-limit.ts turns the setting into the buckets a request spends from.
 */
import { invalidValue } from '../scim/errors.js'

export const RATE_LIMIT_SETTING_PROFILES = ['server', 'default', 'github', 'off', 'custom'] as const
export type RateLimitProfileSetting = (typeof RATE_LIMIT_SETTING_PROFILES)[number]
export const RATE_PERIODS = ['second', 'minute', 'hour'] as const
export type RatePeriod = (typeof RATE_PERIODS)[number]
/** No budget needs more: one process serves a few ten thousand requests a second. */
export const MAX_RATE_REQUESTS = 1_000_000_000

/** `requests` per `per` on average, at most `burst` (default: `requests`) at once. */
export interface RateBudgetSetting {
  readonly requests: number
  readonly per: RatePeriod
  readonly burst?: number
}

export interface RateLimitSetting {
  readonly profile: RateLimitProfileSetting
  /** `custom` only: per SCIM token; null: no limit. */
  readonly token?: RateBudgetSetting | null
  /** `custom` only: per tenant, all its tokens together; null: no limit. */
  readonly tenant?: RateBudgetSetting | null
}

export const SERVER_RATE_LIMITS: RateLimitSetting = { profile: 'server' }

const isWhole = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_RATE_REQUESTS

function budget(name: string, value: unknown): RateBudgetSetting | null {
  if (value === null) return null
  if (value === undefined) throw invalidValue(`rateLimits.${name}: required with profile 'custom' (null for no limit)`)
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidValue(`rateLimits.${name}: expected { requests, per, burst? } or null, not ${JSON.stringify(value)}`)
  }
  const { requests, per, burst, ...rest } = value as Record<string, unknown>
  const extra = Object.keys(rest)[0]
  if (extra !== undefined) throw invalidValue(`rateLimits.${name}: '${extra}' is not a field; the fields are requests, per and burst`)
  if (!isWhole(requests)) {
    throw invalidValue(`rateLimits.${name}.requests: expected a whole number from 1 to ${MAX_RATE_REQUESTS.toLocaleString('en-US')}, not ${JSON.stringify(requests)}`)
  }
  if (!(RATE_PERIODS as readonly unknown[]).includes(per)) {
    throw invalidValue(`rateLimits.${name}.per: expected 'second', 'minute' or 'hour', not ${JSON.stringify(per)}`)
  }
  if (burst !== undefined && !isWhole(burst)) {
    throw invalidValue(`rateLimits.${name}.burst: expected a whole number from 1 to ${MAX_RATE_REQUESTS.toLocaleString('en-US')}, not ${JSON.stringify(burst)}`)
  }
  return { requests, per: per as RatePeriod, ...(burst !== undefined && { burst: burst as number }) }
}

/**
 * The setting as stored, from what an admin sent: 400 `invalidValue` naming the field at
 * fault. Budgets go only with `custom`, and `custom` needs both (null: that one unlimited),
 * so a stored setting never holds budgets that do nothing.
 */
export function checkedRateLimits(value: unknown): RateLimitSetting {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidValue(`rateLimits: expected { profile, token?, tenant? }, not ${JSON.stringify(value)}`)
  }
  const { profile, token, tenant, ...rest } = value as Record<string, unknown>
  const extra = Object.keys(rest)[0]
  if (extra !== undefined) throw invalidValue(`rateLimits: '${extra}' is not a field; the fields are profile, token and tenant`)
  if (!(RATE_LIMIT_SETTING_PROFILES as readonly unknown[]).includes(profile)) {
    throw invalidValue(`rateLimits.profile: expected one of ${RATE_LIMIT_SETTING_PROFILES.map((p) => `'${p}'`).join(', ')}, not ${JSON.stringify(profile)}`)
  }
  if (profile !== 'custom') {
    const stray = token !== undefined ? 'token' : tenant !== undefined ? 'tenant' : undefined
    if (stray) throw invalidValue(`rateLimits.${stray}: budgets are set only with profile 'custom'; profile '${profile}' has its own`)
    return { profile: profile as RateLimitProfileSetting }
  }
  return { profile: 'custom', token: budget('token', token), tenant: budget('tenant', tenant) }
}

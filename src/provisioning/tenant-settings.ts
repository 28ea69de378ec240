/**
 * What a tenant's settings mean and what they are when never set. The store keeps only what
 * was set (tenants.settings); everything reads settings through `settingsOf`, so a default
 * changes in one place and a new setting needs no migration.
 */
import { randomBytes } from 'node:crypto'
import { invalidValue } from '../scim/errors.js'
import type { Tenant, TenantKind, TenantSettingsRecord } from '../store/contract.js'
import type { EmailTemplate } from '../store/records/invitation.js'
import { checkedRateLimits, SERVER_RATE_LIMITS, type RateLimitSetting } from './rate-limit-setting.js'

export type LoginRule = 'github' | 'userName'
export type DeprovisionPolicy = 'suspend' | 'remove'

export interface TenantSettings {
  /** Whether SCIM calls create and manage accounts; off, Roster only keeps the SCIM resources. */
  readonly accounts: boolean
  /** 3–8 letters and digits appended to every derived login as `_<code>`; fixed at creation. */
  readonly shortCode: string | null
  /** How a SCIM userName becomes a login. */
  readonly loginRule: LoginRule
  /** What `active: false` does: suspend the account, or remove the member and the SCIM identity. */
  readonly deprovisionPolicy: DeprovisionPolicy
  /** SCIM-managed accounts can be changed only by the IdP, not through the admin API. */
  readonly requireScim: boolean
  /** A suspended account keeps its primary email instead of an obfuscated one. */
  readonly keepEmail: boolean
  /** Off, the tenant's SCIM endpoints answer 403. */
  readonly scimEnabled: boolean
  /** How long an organization invitation can be accepted. */
  readonly invitationDays: number
  /** Successful SCIM reads are recorded in the provisioning log too (writes and failures always are). */
  readonly logReads: boolean
  /** Provisioning log entries older than this many days are pruned. */
  readonly logRetentionDays: number
  /** Changes write durable events (docs/events.md); off, the tenant's feed stays where it is. */
  readonly events: boolean
  /** The SCIM rate limits: the server's (environment), a profile, or budgets of its own. */
  readonly rateLimits: RateLimitSetting
}

const SHORT_CODE = /^[A-Za-z0-9]{3,8}$/
export const MAX_INVITATION_DAYS = 90
export const MAX_LOG_RETENTION_DAYS = 3650

function defaults(kind: TenantKind): TenantSettings {
  const managed = kind !== 'organization'
  return {
    accounts: true,
    shortCode: null,
    loginRule: managed ? 'github' : 'userName',
    deprovisionPolicy: 'suspend',
    requireScim: managed,
    keepEmail: false,
    scimEnabled: true,
    invitationDays: 7,
    logReads: false,
    logRetentionDays: 30,
    events: true,
    rateLimits: SERVER_RATE_LIMITS,
  }
}

/** The tenant's settings with defaults for those never set. */
export function settingsOf(tenant: Pick<Tenant, 'kind' | 'settings'>): TenantSettings {
  const settings: Record<string, unknown> = { ...defaults(tenant.kind) }
  for (const name of Object.keys(settings)) {
    const value = tenant.settings[name]
    if (value !== undefined) settings[name] = value
  }
  return settings as unknown as TenantSettings
}

/** The tenant's email template overrides, by name (kept with its settings). */
export function templateOverrides(tenant: Pick<Tenant, 'settings'>): Readonly<Record<string, EmailTemplate>> {
  return (tenant.settings.emailTemplates ?? {}) as Record<string, EmailTemplate>
}

/**
 * The short code a new enterprise gets unless told otherwise (as on EMU, every enterprise has
 * one): the slug's first letters and digits, padded with random ones to at least three.
 */
export function defaultShortCode(slug: string): string {
  let code = slug.replace(/[^a-z0-9]/gi, '').slice(0, 8)
  while (code.length < 3) code += randomBytes(1).toString('hex').charAt(0)
  return code
}

/** The settings a tenant is created with. */
export function initialSettings(kind: TenantKind, slug: string, shortCode?: string | null): TenantSettingsRecord {
  const code = shortCode === undefined ? (kind === 'enterprise' ? defaultShortCode(slug) : null) : shortCode
  if (code !== null && !SHORT_CODE.test(code)) {
    throw invalidValue(`shortCode: '${code}' is not 3 to 8 letters and digits`)
  }
  return code === null ? {} : { shortCode: code }
}

/** The names of the settings an admin may change, with what each accepts. */
const CHANGEABLE: Readonly<Record<string, (value: unknown) => boolean>> = {
  accounts: (v) => typeof v === 'boolean',
  loginRule: (v) => v === 'github' || v === 'userName',
  deprovisionPolicy: (v) => v === 'suspend' || v === 'remove',
  requireScim: (v) => typeof v === 'boolean',
  keepEmail: (v) => typeof v === 'boolean',
  invitationDays: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_INVITATION_DAYS,
  logReads: (v) => typeof v === 'boolean',
  logRetentionDays: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_LOG_RETENTION_DAYS,
  events: (v) => typeof v === 'boolean',
}

const EXPECTED: Readonly<Record<string, string>> = {
  accounts: 'true or false',
  loginRule: "'github' or 'userName'",
  deprovisionPolicy: "'suspend' or 'remove'",
  requireScim: 'true or false',
  keepEmail: 'true or false',
  invitationDays: `a whole number of days from 1 to ${MAX_INVITATION_DAYS}`,
  logReads: 'true or false',
  logRetentionDays: `a whole number of days from 1 to ${MAX_LOG_RETENTION_DAYS}`,
  events: 'true or false',
}

/**
 * The stored settings after `change`: 400 `invalidValue` naming the setting for an unknown
 * name or a value it does not accept. `shortCode` is fixed at creation (logins carry it), and
 * `scimEnabled` changes only through enabling or disabling SCIM, which do more than flip it.
 */
export function changedSettings(tenant: Pick<Tenant, 'kind' | 'settings'>, change: Readonly<Record<string, unknown>>): TenantSettingsRecord {
  const next: Record<string, unknown> = { ...tenant.settings }
  for (const [name, value] of Object.entries(change)) {
    if (name === 'shortCode') {
      if (value === settingsOf(tenant).shortCode) continue
      throw invalidValue('shortCode: a short code is fixed when the tenant is created; every derived login carries it')
    }
    if (name === 'scimEnabled') {
      if (value === settingsOf(tenant).scimEnabled) continue
      throw invalidValue('scimEnabled: enable or disable SCIM with its own call, which also suspends or unlinks accounts')
    }
    if (name === 'rateLimits') {
      const limits = checkedRateLimits(value)
      // The server's limits are what a tenant has without the setting: nothing to store.
      if (limits.profile === 'server') delete next.rateLimits
      else next.rateLimits = limits
      continue
    }
    const accepts = CHANGEABLE[name]
    if (!accepts) throw invalidValue(`'${name}' is not a tenant setting; settings are ${[...Object.keys(CHANGEABLE), 'rateLimits', 'shortCode'].join(', ')}`)
    if (!accepts(value)) throw invalidValue(`${name}: expected ${EXPECTED[name]}, not ${JSON.stringify(value)}`)
    next[name] = value
  }
  return next
}

/** The admin API's shapes, as far as the pages use them (the OpenAPI document has them all). */
export interface Page<T> {
  items: T[]
  nextCursor?: string
}

export interface Session {
  csrfToken: string
  createdAt: string
  expiresAt: string
  idleExpiresAt: string
  adminToken: { id: string; name: string; hint: string }
  tenant: string | null
}

export interface TenantSettings {
  accounts: boolean
  shortCode: string | null
  loginRule: 'github' | 'userName'
  deprovisionPolicy: 'suspend' | 'remove'
  requireScim: boolean
  keepEmail: boolean
  scimEnabled: boolean
  invitationDays: number
  logReads: boolean
  logRetentionDays: number
  events: boolean
}

export interface Tenant {
  id: string
  key: string
  kind: 'organization' | 'enterprise' | 'instance'
  slug: string
  createdAt: string
  scimBasePath: string
  settings: TenantSettings
}

export interface TenantHealth {
  lastCallAt: string | null
  lastSuccessAt: string | null
  errorsLast24h: number
  errorsCapped: boolean
  client: string | null
}

export interface ScimToken {
  id: string
  name: string
  hint: string
  createdAt: string
  expiresAt: string | null
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface ScimUserSummary {
  id: string
  userName: string
  displayName: string | null
  externalId: string | null
  active: boolean
  email: string | null
  created: string
  lastModified: string
}

export interface Account {
  id: string
  login: string | null
  displayName: string
  emails: string[]
  roles: string[]
  state: 'active' | 'suspended' | 'deleted'
  scimManaged: boolean
  scimUserId: string | null
  setupOwner: boolean
  createdAt: string
  updatedAt: string
  suspendedAt: string | null
}

export interface ScimUserDetails {
  id: string
  resource: Record<string, unknown>
  created: string
  lastModified: string
  version: number
  groups: { id: string; display: string | null; type: 'direct' | 'indirect' }[]
  account: Account | null
  teams: { id: string; name: string; source: 'manual' | 'group' }[]
}

export interface Credential {
  id: string
  kind: 'session' | 'token'
  name: string
  hint: string
  createdAt: string
  expiresAt: string | null
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface LogChange {
  attribute: string
  before?: unknown
  after?: unknown
  added?: string[]
  removed?: string[]
  addedCount?: number
  removedCount?: number
  cleared?: boolean
}

export interface LogEntry {
  seq: number
  at: string
  requestId: string
  client: string
  method: string
  path: string
  status: number
  scimType: string | null
  detail: string | null
  tokenName: string | null
  tolerances: string[] | null
  changes: LogChange[] | null
}

/** A provisioning log entry with everything recorded (the log and entry pages). */
export interface LogEntryFull extends LogEntry {
  bulkIndex: number | null
  bulkId: string | null
  tokenId: string | null
  userAgent: string | null
  resourceType: 'User' | 'Group' | null
  resourceId: string | null
  userName: string | null
  durationMs: number
}

/** A page of the log: `next` is where following it (?after=) goes on from. */
export interface LogPage extends Page<LogEntryFull> {
  next: number
}

export interface LogExplanation {
  title: string
  sent: string
  why: string
  fix: string
  side: 'idp' | 'roster' | 'retry'
}

export interface LogEntryDetail extends LogEntryFull {
  explanation: LogExplanation | null
}

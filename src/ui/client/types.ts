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
  rateLimits: RateLimits
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

// Groups, teams and the outbox (pages/groups.tsx, group.tsx, teams.tsx, team.tsx, outbox.tsx)

export interface ScimGroupSummary {
  id: string
  displayName: string
  externalId: string | null
  created: string
  lastModified: string
}

export interface ScimGroupDetails {
  id: string
  resource: Record<string, unknown>
  created: string
  lastModified: string
  version: number
  memberCount: number
  teams: { id: string; name: string }[]
}

export interface ScimGroupMember {
  value: string
  type: 'User' | 'Group'
  display: string | null
}

export interface ReconcileReport {
  added: number
  removed: number
  batches: number
  startedAt: string
  finishedAt: string
}

export interface Team {
  id: string
  name: string
  description: string
  parentId: string | null
  groupId: string | null
  createdAt: string
  updatedAt: string
  reconciledAt: string | null
  reconcileReport: ReconcileReport | null
}

export interface TeamDetails extends Team {
  memberCount: number
}

export interface TeamMember {
  accountId: string
  login: string | null
  source: 'manual' | 'group'
  addedAt: string
}

export interface LinkPreviewSide {
  count: number
  first: { accountId: string; login: string | null }[]
}

export interface TeamLinkPreview {
  groupId: string
  joining: LinkPreviewSide
  leaving: LinkPreviewSide
  replaceRequired: boolean
}

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed'

export interface OutboxMessageSummary {
  id: string
  template: string
  recipient: string
  subject: string
  state: OutboxState
  attempts: number
  nextAttemptAt: string
  lastError: string | null
  createdAt: string
  sentAt: string | null
  accountId: string | null
  invitationId: string | null
}

export interface OutboxMessage extends OutboxMessageSummary {
  text: string
  html: string
  claimedUntil: string | null
}

/** Webhooks and events (pages/webhooks.tsx, webhook.tsx, events.tsx). */
export interface WebhookEndpoint {
  id: string
  url: string
  description: string
  eventTypes: string[]
  enabled: boolean
  cursor: number
  attempts: number
  nextAttemptAt: string
  lastError: string | null
  previousSecretExpiresAt: string | null
  createdAt: string
  updatedAt: string
  /** Only in the answers to creation and rotation. */
  secret?: string
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead'

export interface WebhookDelivery {
  id: string
  eventSeq: number
  eventId: string
  eventType: string
  kind: 'event' | 'redelivery' | 'ping'
  attempt: number
  at: string
  outcome: DeliveryOutcome
  status: number | null
  latencyMs: number
  response: string | null
  error: string | null
}

export interface WebhookStatus {
  latestSeq: number
  pending: number
  oldestPendingAt: string | null
  lastAttempt: Pick<WebhookDelivery, 'at' | 'eventSeq' | 'eventType' | 'kind' | 'outcome' | 'status'> | null
  lastSuccessAt: string | null
  deadLetters: number
  deadLettersCapped: boolean
  lastDeadLetterAt: string | null
}

export interface FeedEvent {
  seq: number
  id: string
  type: string
  tenantId: string
  at: string
  resourceType: string | null
  resourceId: string | null
  requestId: string | null
  logEntryId: string | null
  data: Record<string, unknown>
}

/** POST /tenants/{t}/connection-test (connection-test.tsx). */
export interface ConnectionTestStep {
  name: string
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  requestBody?: unknown
  expectedStatus: number
  status: number | null
  outcome: 'passed' | 'failed' | 'skipped'
  result: string
  error?: { status: number; scimType?: string; detail: string }
}

export interface ConnectionTestReport {
  idp: 'entra' | 'okta'
  ok: boolean
  rolledBack: boolean
  steps: ConnectionTestStep[]
}

/** A tenant's `rateLimits` setting (the settings form). */
export interface RateBudget {
  requests: number
  per: 'second' | 'minute' | 'hour'
  burst?: number
}

export interface RateLimits {
  profile: 'server' | 'default' | 'github' | 'off' | 'custom'
  token?: RateBudget | null
  tenant?: RateBudget | null
}

/** GET …/accounts/{id}/login-history (login-history.tsx). */
export interface LoginHistoryEntry {
  id: string
  kind: 'session' | 'token'
  name: string
  hint: string
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  revokedAt: string | null
  state: 'active' | 'expired' | 'revoked'
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

/** The tenant's provisioning log: what its identity provider sent, what changed, what failed. */
import Type, { type Static } from 'typebox'
import { invalidValue, notFound } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import { explain } from '../../../provisioning/log/explain.js'
import { LOG_CLIENTS, type LogEntry, type LogQuery } from '../../../store/records/provisioning-log.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['provisioning log']

const Client = OneOf([...LOG_CLIENTS], 'The identity provider detected from the User-Agent and the request shape')
const ResourceType = OneOf(['User', 'Group'])

const ChangeSchema = Type.Object({
  attribute: Type.String({ description: 'name.givenName, emails, urn:…:User:employeeNumber, members' }),
  before: Type.Optional(Type.Unknown({ description: 'Absent: the attribute was absent. A password is masked' })),
  after: Type.Optional(Type.Unknown({ description: 'Absent: the attribute is absent now. A password is masked' })),
  added: Type.Optional(Type.Array(Type.String(), { description: 'members: ids added (at most 100 listed)' })),
  removed: Type.Optional(Type.Array(Type.String(), { description: 'members: ids removed (at most 100 listed)' })),
  addedCount: Type.Optional(Type.Integer({ description: 'members: how many were added, when more than listed' })),
  removedCount: Type.Optional(Type.Integer({ description: 'members: how many were removed, when more than listed' })),
  cleared: Type.Optional(Type.Boolean({ description: 'members: every member was removed first' })),
})

const EntrySchema = Type.Object({
  seq: Type.Integer({ description: 'Increasing in the order entries were written' }),
  at: Timestamp,
  tenant: Type.Object({ kind: OneOf(['organization', 'enterprise', 'instance']), slug: Type.String() }),
  requestId: Type.String({ description: 'The request id (x-request-id); a Bulk request’s operations share it' }),
  bulkIndex: Nullable(Type.Integer(), 'Inside a Bulk request: the operation’s index in Operations'),
  bulkId: Nullable(Type.String()),
  tokenId: Nullable(Type.String({ description: 'The SCIM token that made the call (never its secret)' })),
  tokenName: Nullable(Type.String()),
  client: Client,
  userAgent: Nullable(Type.String()),
  method: Type.String(),
  path: Type.String({ description: 'For a Bulk operation, its own path (/Users/{id})' }),
  status: Type.Integer(),
  scimType: Nullable(Type.String()),
  detail: Nullable(Type.String()),
  resourceType: Nullable(ResourceType),
  resourceId: Nullable(Type.String()),
  userName: Nullable(Type.String()),
  tolerances: Nullable(Type.Array(Type.String()), 'What of the request the server corrected rather than refused'),
  changes: Nullable(Type.Array(ChangeSchema), 'What the write changed, attribute by attribute; null for failures and reads'),
  durationMs: Type.Number({ description: 'From the request’s arrival to the entry being written' }),
})
const Entry = named('ProvisioningLogEntry', EntrySchema)

const ExplanationSchema = Type.Object({
  title: Type.String({ description: 'The problem in a few words' }),
  sent: Type.String({ description: 'What the identity provider sent' }),
  why: Type.String({ description: 'Why the server refused it' }),
  fix: Type.String({ description: 'What to change, and where' }),
  side: OneOf(['idp', 'roster', 'retry'], 'Who can fix it: the identity provider’s admin, this server’s admin, or nobody (the client retries)'),
})
const EntryDetail = named(
  'ProvisioningLogEntryDetail',
  Type.Object({
    ...EntrySchema.properties,
    explanation: Nullable(ExplanationSchema, 'For a failed call, the failure in plain language; null for a success'),
  }),
)

const LogFilters = {
  from: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Entries at or after this time (ISO 8601)' })),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Entries before this time (ISO 8601)' })),
  status: Type.Optional(OneOf(['2xx', '3xx', '4xx', '5xx'], 'The status class')),
  resourceType: Type.Optional(ResourceType),
  resourceId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'A SCIM user id or userName' })),
  client: Type.Optional(Client),
  requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  method: Type.Optional(OneOf(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], 'The request’s method (a Bulk operation’s own)')),
}

const Seq = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description })

const LogPage = Type.Object(
  {
    ...Paged(Entry, '').properties,
    next: Type.Integer({
      description:
        'Pass as ?after= to read the entries written since this answer: the seq of the last item of a full ?after= page, ' +
        'else the newest seq the answer took into account (0: the log is empty)',
    }),
  },
  { description: 'A page of entries: newest first, or with ?after= oldest first' },
)

/** A time given as ISO 8601, as the UTC text entries are stored with (so they compare as text). */
function instant(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(ms)) throw invalidValue(`${name}: expected an ISO 8601 date or date-time such as 2026-01-31T12:00:00Z, not '${text}'`)
  return new Date(ms).toISOString()
}

export function registerProvisioningLogRoutes(api: AdminScope, store: Store): void {
  api.get(
    '/provisioning-log',
    {
      schema: {
        tags: TAGS,
        operationId: 'listProvisioningLog',
        summary: 'SCIM calls that wrote or failed (and reads, when the tenant logs them), newest first',
        params: TenantParams({}),
        querystring: Type.Object({
          ...LogFilters,
          after: Type.Optional(Seq('Entries newer than this seq, oldest first: to follow the log, pass the previous answer’s next. Not with cursor')),
          ...PageQuery,
        }),
        response: { 200: LogPage, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query
      const tenant = tenantOf(request)
      const from = instant('from', q.from)
      const to = instant('to', q.to)
      if (from !== undefined && to !== undefined && from >= to) throw invalidValue(`from (${from}) must be before to (${to})`)
      if (q.after !== undefined && q.cursor !== undefined) {
        throw invalidValue('after and cursor: give one; cursor pages back in time, after follows the log forward (pass the previous answer’s next)')
      }
      const paging = pagingOf(request, tenant.id)
      const query: LogQuery = {
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(q.status !== undefined && { status: q.status }),
        ...(q.resourceType !== undefined && { resourceType: q.resourceType }),
        ...(q.resourceId !== undefined && { resourceId: q.resourceId }),
        ...(q.user !== undefined && { user: q.user }),
        ...(q.client !== undefined && { client: q.client }),
        ...(q.requestId !== undefined && { requestId: q.requestId }),
        ...(q.method !== undefined && { method: q.method }),
        ...(paging.after !== undefined && { before: paging.after }),
        limit: paging.limit,
      }
      const view = entryView(tenant)
      if (q.after === undefined) {
        const { page, newest } = await store.forTenant(tenant).transaction(async (tx) => {
          return { newest: await tx.provisioningLog.newest(), page: await tx.provisioningLog.list(query) }
        })
        return { ...paging.body({ ...page, items: page.items.map(view) }), next: newest }
      }
      // Following: only what was written after `after`, up to the newest entry at the time of
      // reading, so the next poll starts past entries the filters skipped instead of reading
      // them again.
      const after = q.after
      const { page, newest } = await store.forTenant(tenant).transaction(async (tx) => {
        const newest = await tx.provisioningLog.newest()
        return { newest, page: await tx.provisioningLog.list({ ...query, after, upTo: newest }) }
      })
      const next = page.next ?? Math.max(after, newest)
      return { items: page.items.map(view), next }
    },
  )

  api.get(
    '/provisioning-log/:seq',
    {
      schema: {
        tags: TAGS,
        operationId: 'getProvisioningLogEntry',
        summary: 'One entry of the provisioning log, by its seq',
        params: TenantParams({ seq: Seq('The entry’s seq: its id (events name it as logEntryId)') }),
        response: { 200: EntryDetail, ...ERRORS },
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { seq } = request.params
      const entry = await store.forTenant(tenant).transaction((tx) => tx.provisioningLog.get(seq))
      if (entry === undefined) {
        throw notFound(`this tenant's provisioning log has no entry ${seq}; entries older than the tenant's logRetentionDays are pruned`)
      }
      return { ...entryView(tenant)(entry), explanation: explain(entry) ?? null }
    },
  )
}

const entryView = (tenant: { kind: Static<typeof EntrySchema>['tenant']['kind']; slug: string }) => (e: LogEntry) =>
  ({ ...e, tenant: { kind: tenant.kind, slug: tenant.slug } }) as Static<typeof EntrySchema>

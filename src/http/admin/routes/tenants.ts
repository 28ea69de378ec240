/** Tenants: list, create, read; settings; turning SCIM on and off. */
import Type, { type Static } from 'typebox'
import { disableScim, enableScim, type ScimSwitchReport as Report } from '../../../provisioning/accounts/scim-switch.js'
import { changedSettings, MAX_INVITATION_DAYS, MAX_LOG_RETENTION_DAYS, settingsOf, type TenantSettings } from '../../../provisioning/tenant-settings.js'
import { createTenant, tenantBasePath } from '../../../provisioning/tenants.js'
import { MAX_RATE_REQUESTS, RATE_LIMIT_SETTING_PROFILES, RATE_PERIODS } from '../../../provisioning/rate-limit-setting.js'
import type { Store, Tenant as TenantRecord } from '../../../store/contract.js'
import { adminTokenOf, requireInstanceToken, tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['tenants']

const LoginRule = OneOf(['github', 'userName'], 'How a SCIM userName becomes a login')
const DeprovisionPolicy = OneOf(['suspend', 'remove'], 'What active: false does: suspend the account, or remove the member and its SCIM identity')
const InvitationDays = Type.Integer({ minimum: 1, maximum: MAX_INVITATION_DAYS, description: 'How long an invitation can be accepted' })
const LogReads = Type.Boolean({ description: 'Successful SCIM reads are recorded in the provisioning log too' })
const LogRetentionDays = Type.Integer({ minimum: 1, maximum: MAX_LOG_RETENTION_DAYS, description: 'Provisioning log entries older than this are pruned' })

const Whole = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_RATE_REQUESTS, description })
const RateBudget = Nullable(
  Type.Object(
    {
      requests: Whole('Requests allowed per period, on average'),
      per: OneOf([...RATE_PERIODS]),
      burst: Type.Optional(Whole('Requests allowed at once (default: requests)')),
    },
    { additionalProperties: false },
  ),
  'A token bucket; null: no limit',
)
const RateLimitsSchema = Type.Object(
  {
    profile: OneOf(
      [...RATE_LIMIT_SETTING_PROFILES],
      "server: the server's own (ROSTER_RATE_LIMIT_PROFILE, ROSTER_RATE_LIMIT_TOKEN, ROSTER_RATE_LIMIT_TENANT); default, github, off: that profile's budgets; custom: token and tenant below",
    ),
    token: Type.Optional({ ...RateBudget, description: 'custom only: the budget of each SCIM token; null: none' }),
    tenant: Type.Optional({ ...RateBudget, description: 'custom only: the budget of the tenant, all its tokens together; null: none' }),
  },
  { additionalProperties: false, description: 'SCIM rate limits of the tenant (docs/operations.md)' },
)
const RateLimits = named('TenantRateLimits', RateLimitsSchema)

const SettingsSchema = Type.Object(
  {
    accounts: Type.Boolean({ description: 'Whether SCIM calls create and manage accounts' }),
    shortCode: Nullable(Type.String(), 'Appended to every derived login as _<code>; fixed at creation'),
    loginRule: LoginRule,
    deprovisionPolicy: DeprovisionPolicy,
    requireScim: Type.Boolean({ description: 'SCIM-managed accounts can be changed only by the IdP' }),
    keepEmail: Type.Boolean({ description: 'A suspended account keeps its primary email' }),
    scimEnabled: Type.Boolean({ description: 'Off, the SCIM endpoints answer 403; change it with scim/enable and scim/disable' }),
    invitationDays: InvitationDays,
    logReads: LogReads,
    logRetentionDays: LogRetentionDays,
    events: Type.Boolean({ description: 'Changes write durable events (the events feed)' }),
    rateLimits: RateLimits,
  },
  { description: 'The tenant settings, with defaults for those never set' },
)
const Settings = named('TenantSettings', SettingsSchema)

const SettingsChange = Body(
  {
    accounts: Type.Optional(Type.Boolean()),
    loginRule: Type.Optional(LoginRule),
    deprovisionPolicy: Type.Optional(DeprovisionPolicy),
    requireScim: Type.Optional(Type.Boolean()),
    keepEmail: Type.Optional(Type.Boolean()),
    invitationDays: Type.Optional(InvitationDays),
    logReads: Type.Optional(LogReads),
    logRetentionDays: Type.Optional(LogRetentionDays),
    events: Type.Optional(Type.Boolean()),
    rateLimits: Type.Optional(RateLimitsSchema),
    shortCode: Type.Optional(Nullable(Type.String(), 'Accepted only unchanged: the short code is fixed at creation')),
    scimEnabled: Type.Optional(Type.Boolean({ description: 'Accepted only unchanged: use scim/enable and scim/disable' })),
  },
  'The settings to change; those left out keep their value',
)

const TenantSchema = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'How paths name it: instance, organization:<slug> or enterprise:<slug>' }),
  kind: OneOf(['organization', 'enterprise', 'instance']),
  slug: Type.String({ description: 'Empty for the instance' }),
  createdAt: Timestamp,
  scimBasePath: Type.String({ description: 'The SCIM base path to give the identity provider' }),
  settings: Settings,
})
const Tenant = named('Tenant', TenantSchema)

const NewTenant = Body({
  kind: OneOf(['organization', 'enterprise']),
  slug: Type.String({ minLength: 1, maxLength: 63, description: 'Lowercase letters, digits and hyphens' }),
  shortCode: Type.Optional(
    Nullable(
      Type.String({ minLength: 3, maxLength: 8 }),
      'Appended to derived logins; default: from the slug for an enterprise, none for an organization; null: none',
    ),
  ),
})

const ScimSwitchReportSchema = Type.Object({
  scimEnabled: Type.Boolean({ description: 'Whether SCIM is enabled now' }),
  dryRun: Type.Boolean(),
  affected: Type.Integer({ description: 'Accounts suspended (enable) or unlinked (disable), or that would be' }),
  accounts: Type.Array(
    Type.Object({ id: Type.String(), login: Nullable(Type.String()), state: OneOf(['active', 'suspended', 'deleted']) }),
    { description: 'The first of them (at most 100)' },
  ),
  setupOwner: Type.Optional(Type.String({ description: 'The account kept active while enabling' })),
})
const ScimSwitchReport = named('ScimSwitchReport', ScimSwitchReportSchema)

const DryRun = Type.Boolean({ description: 'Report who would be affected, and change nothing' })

export const tenantKey = (tenant: Pick<TenantRecord, 'kind' | 'slug'>) => (tenant.kind === 'instance' ? 'instance' : `${tenant.kind}:${tenant.slug}`)

export const tenantView = (tenant: TenantRecord): Static<typeof TenantSchema> => ({
  id: tenant.id,
  key: tenantKey(tenant),
  kind: tenant.kind,
  slug: tenant.slug,
  createdAt: tenant.createdAt,
  scimBasePath: tenantBasePath(tenant),
  settings: settingsView(settingsOf(tenant)),
})

const settingsView = (s: TenantSettings): Static<typeof SettingsSchema> => ({ ...s })

const reportView = (r: Report): Static<typeof ScimSwitchReportSchema> => ({ ...r, accounts: [...r.accounts] })

/** Routes on the set of tenants (no tenant in the path). */
export function registerTenantRoutes(api: AdminScope, store: Store): void {
  api.get(
    '/tenants',
    {
      schema: {
        tags: TAGS,
        operationId: 'listTenants',
        summary: 'The tenants this token reaches: all of them, or its own',
        querystring: Type.Object(PageQuery),
        response: { 200: Paged(Tenant, 'A page of tenants'), ...ERRORS },
      },
    },
    async (request) => {
      const token = adminTokenOf(request)
      const all = await store.listTenants()
      const reachable = token.tenantId === null ? all : all.filter((t) => t.id === token.tenantId)
      return pagingOf(request, '').slice(reachable.map(tenantView))
    },
  )

  api.post(
    '/tenants',
    {
      schema: {
        tags: TAGS,
        operationId: 'createTenant',
        summary: 'Create an organization or an enterprise (instance token only)',
        body: NewTenant,
        response: { 201: Tenant, ...ERRORS },
      },
    },
    async (request, reply) => {
      requireInstanceToken(request, 'creating a tenant')
      const { kind, slug, shortCode } = request.body
      const tenant = await createTenant(store, kind, slug, shortCode === undefined ? {} : { shortCode })
      return reply.code(201).send(tenantView(tenant))
    },
  )
}

/** Routes on one tenant as a whole. */
export function registerTenantScopeRoutes(api: AdminScope, store: Store): void {
  api.get(
    '/',
    {
      schema: {
        tags: TAGS,
        operationId: 'getTenant',
        summary: 'A tenant, with its settings resolved',
        params: TenantParams({}),
        response: { 200: Tenant, ...ERRORS },
      },
    },
    async (request) => tenantView(tenantOf(request)),
  )

  api.patch(
    '/settings',
    {
      schema: {
        tags: TAGS,
        operationId: 'updateTenantSettings',
        summary: 'Change settings; returns them all, resolved',
        params: TenantParams({}),
        body: SettingsChange,
        response: { 200: Settings, ...ERRORS },
      },
    },
    async (request) => {
      // Read and written in one transaction: two changes at once cannot undo each other.
      const updated = await store.forTenant(tenantOf(request)).transaction(async (tx) => {
        const current = await tx.currentTenant()
        return tx.updateTenantSettings(changedSettings(current, request.body))
      })
      // This process's SCIM requests see the change at once, not when their cache expires.
      store.tenantChanged(updated.id)
      return settingsView(settingsOf(updated))
    },
  )

  api.post(
    '/scim/enable',
    {
      schema: {
        tags: TAGS,
        operationId: 'enableScim',
        summary: 'Enable SCIM: active accounts the IdP does not manage are suspended, except the setup owner',
        params: TenantParams({}),
        body: Body({
          dryRun: Type.Optional(DryRun),
          setupOwner: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'Login or id of the account kept active' })),
        }),
        response: { 200: ScimSwitchReport, ...ERRORS },
      },
    },
    async (request) => reportView(await enableScim(store, tenantOf(request), request.body)),
  )

  api.post(
    '/scim/disable',
    {
      schema: {
        tags: TAGS,
        operationId: 'disableScim',
        summary: 'Disable SCIM: its endpoints answer 403 and every identity is unlinked',
        params: TenantParams({}),
        body: Body({ dryRun: Type.Optional(DryRun) }),
        response: { 200: ScimSwitchReport, ...ERRORS },
      },
    },
    async (request) => reportView(await disableScim(store, tenantOf(request), request.body)),
  )
}

/**
 * A tenant's provisioning at a glance, for the tenants list: when the IdP last called and last
 * succeeded, how many of its calls failed in the last 24 hours, and which IdP it looks like.
 * Four small reads of the provisioning log, newest first, each bounded; the error count stops
 * at ERROR_COUNT_CAP (a list shows "100+"), so a tenant with a flood of failures costs no more.
 */
import Type from 'typebox'
import type { Store } from '../../../store/contract.js'
import { LOG_CLIENTS, type LogQuery } from '../../../store/records/provisioning-log.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { ERRORS } from '../problem.js'
import { named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

export const ERROR_COUNT_CAP = 100
const DAY_MS = 86_400_000

const TenantHealth = named(
  'TenantHealth',
  Type.Object({
    lastCallAt: Nullable(Timestamp, 'The newest entry of the provisioning log'),
    lastSuccessAt: Nullable(Timestamp, 'The newest successful (2xx) call'),
    errorsLast24h: Type.Integer({ minimum: 0, maximum: ERROR_COUNT_CAP, description: `Failed calls (4xx and 5xx) in the last 24 hours, counted up to ${ERROR_COUNT_CAP}` }),
    errorsCapped: Type.Boolean({ description: `There were more than ${ERROR_COUNT_CAP}` }),
    client: Nullable(OneOf([...LOG_CLIENTS]), 'The identity provider detected on the newest call'),
  }),
)

export function registerTenantHealthRoutes(api: AdminScope, store: Store, now: () => number): void {
  api.get(
    '/health',
    {
      schema: {
        tags: ['provisioning log'],
        operationId: 'getTenantHealth',
        summary: "The tenant's provisioning at a glance: last call, last success, recent errors, detected IdP",
        params: TenantParams({}),
        response: { 200: TenantHealth, ...ERRORS },
      },
    },
    async (request) => {
      const since = new Date(now() - DAY_MS).toISOString()
      const read = (query: LogQuery) => store.forTenant(tenantOf(request)).transaction((tx) => tx.provisioningLog.list(query))
      const [latest, success, clientErrors, serverErrors] = await Promise.all([
        read({ limit: 1 }),
        read({ status: '2xx', limit: 1 }),
        read({ status: '4xx', from: since, limit: ERROR_COUNT_CAP + 1 }),
        read({ status: '5xx', from: since, limit: ERROR_COUNT_CAP + 1 }),
      ])
      const errors = clientErrors.items.length + serverErrors.items.length
      return {
        lastCallAt: latest.items[0]?.at ?? null,
        lastSuccessAt: success.items[0]?.at ?? null,
        errorsLast24h: Math.min(errors, ERROR_COUNT_CAP),
        errorsCapped: errors > ERROR_COUNT_CAP,
        client: latest.items[0]?.client ?? null,
      }
    },
  )
}

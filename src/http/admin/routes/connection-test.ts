/**
 * `POST /tenants/{t}/connection-test`: the calls an IdP makes on "Test connection" and its
 * first sync, run against the tenant's real SCIM handlers and store in a transaction that is
 * always rolled back (http/connection-test/dry-run.ts). Nothing is minted: no SCIM token is
 * needed or created, and nothing the calls wrote remains.
 */
import Type from 'typebox'
import { ConnectionTester, type ConnectionTestOptions } from '../../connection-test/dry-run.js'
import { CONNECTION_TEST_IDPS } from '../../connection-test/probes.js'
import type { Store } from '../../../store/contract.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { ERRORS } from '../problem.js'
import { Body, named, Nullable, OneOf, TenantParams } from '../schemas.js'

const Step = Type.Object({
  name: Type.String({ description: 'What the IdP does with this call' }),
  method: OneOf(['GET', 'POST', 'PATCH', 'DELETE']),
  path: Type.String({ description: "The path the IdP calls, from the tenant's SCIM base path" }),
  requestBody: Type.Optional(Type.Unknown({ description: 'The body sent, as the IdP sends it (a password shown as ********)' })),
  expectedStatus: Type.Integer(),
  status: Nullable(Type.Integer(), 'The status the SCIM endpoint answered; null when the step was not run'),
  outcome: OneOf(['passed', 'failed', 'skipped']),
  result: Type.String({ description: 'What the answer showed, or why the step failed or was not run' }),
  error: Type.Optional(
    Type.Object(
      { status: Type.Integer(), scimType: Type.Optional(Type.String()), detail: Type.String() },
      { description: 'The SCIM error the endpoint answered (RFC 7644 §3.12)' },
    ),
  ),
})

const Report = named(
  'ConnectionTestReport',
  Type.Object({
    idp: OneOf([...CONNECTION_TEST_IDPS]),
    ok: Type.Boolean({ description: 'Every step passed' }),
    rolledBack: Type.Boolean({ description: 'Always true: nothing the steps wrote remains' }),
    steps: Type.Array(Step),
  }),
)

export interface ConnectionTestRouteOptions extends ConnectionTestOptions {
  /** ROSTER_PUBLIC_URL: the origin the SCIM answers' locations use, as for real SCIM calls. */
  readonly publicUrl: string | undefined
}

export function registerConnectionTestRoutes(api: AdminScope, store: Store, options: ConnectionTestRouteOptions): void {
  const tester = new ConnectionTester(store, options, api.log)
  api.addHook('onClose', async () => tester.close())

  api.post(
    '/connection-test',
    {
      schema: {
        tags: ['tenants'],
        operationId: 'testConnection',
        summary: "Run an IdP's test-connection and first-sync calls against the tenant, as a dry run that leaves nothing behind",
        params: TenantParams({}),
        body: Body({ idp: OneOf([...CONNECTION_TEST_IDPS], 'Whose calls to make, in the shapes that IdP sends them') }),
        response: { 200: Report, ...ERRORS },
      },
    },
    async (request) => {
      const origin = options.publicUrl ?? `${request.protocol}://${request.host}`
      return tester.run(tenantOf(request), request.body.idp, origin)
    },
  )
}

/**
 * Runs the example host application (app.ts) on a port:
 *
 *   npm run build && node dist/examples/host-app/server.js
 *
 * HOST_APP_ROSTER_DATABASE_URL (default ./data/host-app-roster.db), HOST_APP_DATABASE
 * (default ./data/host-app.db), HOST_APP_PORT (default 3000) and HOST_APP_PUBLIC_URL set it
 * up. On first start it creates the organization tenant `acme` and prints a SCIM token for it:
 * give the IdP the URL and the token it prints.
 */
import { mkdirSync } from 'node:fs'
import { createTenant, issueToken } from 'roster'
import { startHostApp } from './app.js'

const env = process.env
mkdirSync('data', { recursive: true })
const host = await startHostApp({
  rosterDatabaseUrl: env.HOST_APP_ROSTER_DATABASE_URL || './data/host-app-roster.db',
  appDatabase: env.HOST_APP_DATABASE || './data/host-app.db',
  publicUrl: env.HOST_APP_PUBLIC_URL || undefined,
  logger: true,
})
const { store } = host.roster
if (!(await store.findTenant('organization', 'acme'))) {
  const tenant = await createTenant(store, 'organization', 'acme')
  const { token } = await issueToken(store, tenant, { name: 'idp' })
  process.stdout.write(`SCIM token for organization acme (shown once): ${token}\n`)
}
const address = await host.app.listen({ port: Number(env.HOST_APP_PORT || 3000), host: '127.0.0.1' })
process.stdout.write(`SCIM base URL: ${env.HOST_APP_PUBLIC_URL || address}/provisioning/scim/v2/organizations/acme\n`)
process.stdout.write(`the app's users: ${address}/app/users\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void host.close())

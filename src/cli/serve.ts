import { buildApp } from '../http/app.js'
import { configFromEnv, type ServerConfig } from '../http/config.js'
import { tenantBasePath } from '../provisioning/tenants.js'
import { defaultRegistry } from '../scim/schema/resource-types.js'
import { openStore, redactDatabaseUrl } from '../store/open-store.js'

export async function serve(overrides: Partial<ServerConfig>): Promise<void> {
  const config: ServerConfig = { ...configFromEnv(), ...overrides }
  const store = await openStore(config.databaseUrl)
  await store.migrate()
  const app = await buildApp({
    store,
    registry: defaultRegistry(),
    config,
    logger: {
      level: config.logLevel,
      // Never log credentials (style: no secrets in logs).
      redact: ['req.headers.authorization'],
    },
  })
  const address = await app.listen({ port: config.port, host: config.host })
  const say = (s: string) => process.stdout.write(`${s}\n`)
  say(`Roster is listening on ${address} (database ${redactDatabaseUrl(config.databaseUrl)})`)
  const tenants = await store.listTenants()
  for (const t of tenants) say(`  ${t.kind.padEnd(12)} ${address}${tenantBasePath(t)}`)
  if (!tenants.some((t) => t.kind !== 'instance')) {
    say('No organization or enterprise yet. Create one and a token for it:')
    say('  bin/roster org create acme')
    say('  bin/roster token create --org acme')
  }
  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    await app.close()
    await store.close()
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

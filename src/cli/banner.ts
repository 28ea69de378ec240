import type { ServerConfig } from '../http/config.js'
import { tenantBasePath } from '../provisioning/tenants.js'
import type { Tenant } from '../store/contract.js'
import { redactDatabaseUrl } from '../store/open-store.js'

/** Where the server listens and each tenant's base URL; printed once, by the primary in a cluster. */
export function printBanner(config: ServerConfig, address: string, tenants: readonly Tenant[], workers = 1): void {
  const say = (s: string) => process.stdout.write(`${s}\n`)
  const processes = workers > 1 ? `, ${workers} worker processes` : ''
  say(`Roster is listening on ${address} (database ${redactDatabaseUrl(config.databaseUrl)}${processes})`)
  for (const t of tenants) say(`  ${t.kind.padEnd(12)} ${address}${tenantBasePath(t)}`)
  if (!tenants.some((t) => t.kind !== 'instance')) {
    say('No organization or enterprise yet. Create one and a token for it:')
    say('  bin/roster org create acme')
    say('  bin/roster token create --org acme')
  }
}

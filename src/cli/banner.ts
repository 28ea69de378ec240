import { DEFAULT_DATABASE_URL, type ServerConfig } from '../http/config.js'
import { tenantBasePath } from '../provisioning/tenants.js'
import type { Tenant } from '../store/contract.js'
import { redactDatabaseUrl } from '../store/open-store.js'
import { commandName, databaseOption } from './invocation.js'

/**
 * Where the server listens, each tenant's base URL and the admin UI with how to sign in to it;
 * printed once, by the primary in a cluster. The commands reach the database this server uses
 * only if told which, unless it is their default too.
 */
export function printBanner(config: ServerConfig, address: string, tenants: readonly Tenant[], workers = 1): void {
  const say = (s: string) => process.stdout.write(`${s}\n`)
  const processes = workers > 1 ? `, ${workers} worker processes` : ''
  say(`Roster is listening on ${address} (database ${redactDatabaseUrl(config.databaseUrl)}${processes})`)
  for (const t of tenants) say(`  ${t.kind.padEnd(12)} ${address}${tenantBasePath(t)}`)
  const same = config.databaseUrl === (process.env.ROSTER_DATABASE_URL || DEFAULT_DATABASE_URL)
  const database = same ? '' : databaseOption(config.databaseUrl)
  say(`Admin UI: ${address}/ui/ (sign in with an admin token: ${commandName()} admin-token create --instance${database})`)
  if (!tenants.some((t) => t.kind !== 'instance')) {
    say('No organization or enterprise yet. Create one and a token for it (or create it in the admin UI):')
    say(`  ${commandName()} org create acme${database}`)
    say(`  ${commandName()} token create --org acme${database}`)
  }
}

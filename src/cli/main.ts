import { parseArgs, type ParseArgsConfig } from 'node:util'
import { createTenant, requireTenant, tenantBasePath } from '../provisioning/tenants.js'
import { issueToken, revokeToken } from '../provisioning/tokens.js'
import { isScimError } from '../scim/errors.js'
import { DEFAULT_DATABASE_URL } from '../http/config.js'
import { openStore, redactDatabaseUrl } from '../store/open-store.js'
import type { Store, Tenant, TenantKind } from '../store/contract.js'
import { serve } from './serve.js'
import { USAGE } from './usage.js'

/** A mistake in how the command was called: exit code 2 and the command's usage. */
export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message)
  }
}

type Options = Record<string, string | boolean | undefined>

function parse(argv: string[], options: ParseArgsConfig['options'], usage: string) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, database: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
    return { values: values as Options, positionals }
  } catch (e) {
    throw new UsageError((e as Error).message, usage)
  }
}

const databaseUrl = (values: Options) =>
  (values.database as string | undefined) ?? process.env.ROSTER_DATABASE_URL ?? DEFAULT_DATABASE_URL

/** `--workers`, else ROSTER_WORKERS, else 1: a whole number of processes, at least one. */
function workerCount(values: Options): number {
  const flag = values.workers as string | undefined
  const given = flag ?? process.env.ROSTER_WORKERS
  if (given === undefined || given === '') return 1
  const n = Number(given)
  if (!Number.isInteger(n) || n < 1 || !/^\d+$/.test(given.trim())) {
    const source = flag === undefined ? 'ROSTER_WORKERS' : '--workers'
    throw new UsageError(`${source} takes a number of processes (1 or more), got '${given}'`, USAGE.serve)
  }
  return n
}

async function withStore<T>(values: Options, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(databaseUrl(values))
  try {
    await store.migrate()
    return await fn(store)
  } finally {
    await store.close()
  }
}

const TOKEN_TENANT = { org: { type: 'string' }, enterprise: { type: 'string' }, instance: { type: 'boolean' } } as const

/** Which tenant `--org`/`--enterprise`/`--instance` names; exactly one unless `optional`. */
function tenantSelector(values: Options, optional: boolean): { kind: TenantKind; slug: string } | undefined {
  const chosen: { kind: TenantKind; slug: string }[] = []
  if (values.org !== undefined) chosen.push({ kind: 'organization', slug: String(values.org) })
  if (values.enterprise !== undefined) chosen.push({ kind: 'enterprise', slug: String(values.enterprise) })
  if (values.instance) chosen.push({ kind: 'instance', slug: '' })
  if (chosen.length > 1 || (chosen.length === 0 && !optional)) {
    throw new UsageError('name exactly one tenant: --org <slug>, --enterprise <slug> or --instance', USAGE.token)
  }
  return chosen[0]
}

const describeTenant = (t: Tenant) => (t.kind === 'instance' ? 'the instance' : `${t.kind} ${t.slug}`)

async function tenantCommand(kind: 'organization' | 'enterprise', argv: string[], out: (s: string) => void) {
  const usage = kind === 'organization' ? USAGE.org : USAGE.enterprise
  const { values, positionals } = parse(argv, {}, usage)
  const [action, slug, ...extra] = positionals
  if (values.help) return out(usage)
  if (action === 'create') {
    if (!slug || extra.length) throw new UsageError(`'create' takes exactly one slug`, usage)
    const tenant = await withStore(values, (store) => createTenant(store, kind, slug))
    out(`Created ${kind} ${tenant.slug}.`)
    out(`SCIM base URL path: ${tenantBasePath(tenant)}`)
    out(`Next: roster token create --${kind === 'organization' ? 'org' : 'enterprise'} ${tenant.slug}`)
    return
  }
  if (action === 'list') {
    const tenants = await withStore(values, (store) => store.listTenants())
    for (const t of tenants.filter((t) => t.kind === kind)) out(`${t.slug}\t${tenantBasePath(t)}\t${t.createdAt}`)
    return
  }
  throw new UsageError(action ? `unknown action '${action}'` : 'an action is required', usage)
}

async function tokenCommand(argv: string[], out: (s: string) => void) {
  const { values, positionals } = parse(
    argv,
    { ...TOKEN_TENANT, name: { type: 'string' }, 'expires-in': { type: 'string' } },
    USAGE.token,
  )
  const [action, ...rest] = positionals
  if (values.help) return out(USAGE.token)
  if (action === 'create') {
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`, USAGE.token)
    const selector = tenantSelector(values, false)!
    const expires = values['expires-in']
    const expiresInDays = expires === undefined ? undefined : Number(expires)
    if (expiresInDays !== undefined && !Number.isFinite(expiresInDays)) {
      throw new UsageError(`--expires-in takes a number of days, got '${String(expires)}'`, USAGE.token)
    }
    const issued = await withStore(values, async (store) => {
      const tenant = await requireTenant(store, selector.kind, selector.slug)
      const name = values.name as string | undefined
      return { tenant, ...(await issueToken(store, tenant, { ...(name && { name }), ...(expiresInDays && { expiresInDays }) })) }
    })
    out(`Created token ${issued.record.id} for ${describeTenant(issued.tenant)} (SCIM base URL path ${tenantBasePath(issued.tenant)}).`)
    out(issued.record.expiresAt ? `It expires at ${issued.record.expiresAt}.` : 'It does not expire.')
    out('Copy it now: it is shown only once.')
    out(issued.token)
    return
  }
  if (action === 'list') {
    const selector = tenantSelector(values, true)
    const rows = await withStore(values, async (store) => {
      const tenant = selector && (await requireTenant(store, selector.kind, selector.slug))
      const tenants = new Map((await store.listTenants()).map((t) => [t.id, t]))
      return (await store.listTokens(tenant?.id)).map((t) => ({ t, tenant: tenants.get(t.tenantId) }))
    })
    out(['id', 'tenant', 'name', 'hint', 'created', 'expires', 'last used', 'revoked'].join('\t'))
    for (const { t, tenant } of rows) {
      out([t.id, tenant ? describeTenant(tenant) : '?', t.name, t.hint, t.createdAt, t.expiresAt ?? '-', t.lastUsedAt ?? '-', t.revokedAt ?? '-'].join('\t'))
    }
    return
  }
  if (action === 'revoke') {
    const [id, ...extra] = rest
    if (!id || extra.length) throw new UsageError(`'revoke' takes exactly one token id`, USAGE.token)
    await withStore(values, (store) => revokeToken(store, id))
    out(`Revoked token ${id}.`)
    return
  }
  throw new UsageError(action ? `unknown action '${action}'` : 'an action is required', USAGE.token)
}

export async function run(argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return out(USAGE.main)
    case 'serve': {
      const { values, positionals } = parse(
        rest,
        { port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' } },
        USAGE.serve,
      )
      if (values.help) return out(USAGE.serve)
      if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, USAGE.serve)
      const port = values.port === undefined ? undefined : Number(values.port)
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
        throw new UsageError(`--port takes a port number, got '${String(values.port)}'`, USAGE.serve)
      }
      const workers = workerCount(values)
      if (workers > 1 && /^sqlite:(\/\/)?:memory:$/i.test(databaseUrl(values))) {
        throw new UsageError(
          `--workers ${workers} needs a database the processes share: with sqlite::memory: each ` +
            'would have its own; use sqlite:<path> or postgres://…',
          USAGE.serve,
        )
      }
      return serve(
        {
          ...(port !== undefined && { port }),
          ...(values.host !== undefined && { host: String(values.host) }),
          ...(values.database !== undefined && { databaseUrl: String(values.database) }),
        },
        { workers },
      )
    }
    case 'org':
      return tenantCommand('organization', rest, out)
    case 'enterprise':
      return tenantCommand('enterprise', rest, out)
    case 'token':
      return tokenCommand(rest, out)
    case 'migrate': {
      const { values } = parse(rest, {}, USAGE.migrate)
      if (values.help) return out(USAGE.migrate)
      await withStore(values, async () => undefined)
      return out(`Database ${redactDatabaseUrl(databaseUrl(values))} is up to date.`)
    }
    default:
      throw new UsageError(`unknown command '${command}'`, USAGE.main)
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  try {
    await run(argv)
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`roster: ${e.message}\n\n${e.usage}\n`)
      process.exitCode = 2
    } else if (isScimError(e)) {
      process.stderr.write(`roster: ${e.detail}\n`)
      process.exitCode = 1
    } else {
      process.stderr.write(`roster: ${(e as Error).message}\n`)
      process.exitCode = 1
    }
  }
}

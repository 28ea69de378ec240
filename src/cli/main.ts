import { isAbsolute, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, DEFAULT_DATABASE_URL } from '../http/config.js'
import { createTenant, requireTenant, tenantBasePath } from '../provisioning/tenants.js'
import { DEFAULT_TOKEN_DAYS, issueToken, MAX_TOKEN_DAYS, revokeToken } from '../provisioning/tokens.js'
import { isScimError } from '../scim/errors.js'
import type { Store, Tenant, TenantKind, TokenRecord } from '../store/contract.js'
import {
  DatabaseUrlError,
  NoRosterDatabaseError,
  openStore,
  parseDatabaseUrl,
  redactDatabaseUrl,
} from '../store/open-store.js'
import { newerSchema } from '../store/schema-version.js'
import { backupSqlite } from './backup.js'
import { commandName, databaseOption } from './invocation.js'
import { serve } from './serve.js'
import { USAGE } from './usage.js'
import { rosterVersion } from './version.js'

/** One rule for every command (also in `roster --help`): 0 done, 1 failed, 2 called wrongly. */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

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
    throw new UsageError(argumentError(e), usage)
  }
}

/** parseArgs' messages, shorter and without its advice about `--`, which suits none of these commands. */
function argumentError(e: unknown): string {
  const { code, message } = e as { code?: unknown; message: string }
  // "Option '-h, --help' does not take an argument": the long name, as the usage shows it.
  const option = /'(?:-\w, )?(-[^' ]*)/.exec(message)?.[1]
  if (option === undefined) return message
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option}'`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message)) return `option '${option}' takes no value`
    if (/ambiguous/.test(message)) {
      return `option '${option}' needs a value (one starting with '-' is written ${option}=-…)`
    }
    return `option '${option}' needs a value`
  }
  return message
}

/** `--database`, else ROSTER_DATABASE_URL, else the default file. */
function databaseUrl(values: Options, usage: string): string {
  const flag = values.database as string | undefined
  if (flag === '') throw new UsageError(`--database takes a database URL, got ''`, usage)
  return flag ?? (process.env.ROSTER_DATABASE_URL || DEFAULT_DATABASE_URL)
}

/** The database as messages name it: without a password, and a relative SQLite path with its absolute file. */
function describeDatabase(url: string): string {
  const target = parseDatabaseUrl(url)
  if (target.kind === 'postgres') return `'${redactDatabaseUrl(url)}'`
  if (target.kind === 'sqlite' && !isAbsolute(target.path)) return `'${url}' (file '${resolve(target.path)}')`
  return `'${url}'`
}

/** What a hint must add to a command for it to reach the same database: what the command line said. */
function databaseFlag(values: Options): string {
  const url = values.database as string | undefined
  return url === undefined ? '' : databaseOption(url)
}

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

/**
 * Runs `fn` on an existing Roster database at the schema version this code knows. Only serve and
 * migrate create or upgrade one: anything else on a mistyped path would make a new, empty
 * database and answer from it as if nothing were wrong.
 */
async function withData<T>(values: Options, usage: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const url = databaseUrl(values, usage)
  let store: Store
  try {
    store = await openStore(url, { mustExist: true })
  } catch (e) {
    if (!(e instanceof NoRosterDatabaseError)) throw e
    throw new NoRosterDatabaseError(`${e.message}. To create it: ${commandName()} migrate${databaseFlag(values)}`)
  }
  try {
    const version = (await store.schemaVersion()) ?? 0
    const latest = store.latestSchemaVersion
    if (version > latest) throw newerSchema(version, latest)
    if (version < latest) {
      throw new Error(
        `database ${describeDatabase(url)} has schema version ${version}, this Roster needs ${latest}: ` +
          `run ${commandName()} migrate${databaseFlag(values)} (serve also migrates at start)`,
      )
    }
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

const describeTenant = (t: Tenant) => (t.kind === 'instance' ? 'the instance' : `${t.kind} '${t.slug}'`)

/**
 * `--expires-in DAYS`, `--no-expiry`, or the default lifetime; undefined: never expires. Whole
 * days only: `0` or `''` once made a token that never expired, and `0.5` half a day under a
 * message that promised days.
 */
function tokenLifetime(values: Options): number | undefined {
  const given = values['expires-in'] as string | undefined
  if (values['no-expiry']) {
    if (given !== undefined) throw new UsageError('give --expires-in DAYS or --no-expiry, not both', USAGE.token)
    return undefined
  }
  if (given === undefined) return DEFAULT_TOKEN_DAYS
  const days = Number(given)
  if (!/^\d+$/.test(given) || days < 1 || days > MAX_TOKEN_DAYS) {
    throw new UsageError(
      `--expires-in takes a whole number of days from 1 to ${MAX_TOKEN_DAYS}, got '${given}'; ` +
        'a token that never expires is asked for with --no-expiry',
      USAGE.token,
    )
  }
  return days
}

function tokenStatus(t: TokenRecord, now: number): string {
  if (t.revokedAt !== null) return 'revoked'
  return t.expiresAt !== null && Date.parse(t.expiresAt) <= now ? 'expired' : 'active'
}

async function tenantCommand(kind: 'organization' | 'enterprise', argv: string[], out: (s: string) => void) {
  const usage = kind === 'organization' ? USAGE.org : USAGE.enterprise
  const { values, positionals } = parse(argv, {}, usage)
  const [action, slug, ...extra] = positionals
  if (values.help) return out(usage)
  if (action === 'create') {
    if (!slug || extra.length) throw new UsageError(`'create' takes exactly one slug`, usage)
    const tenant = await withData(values, usage, (store) => createTenant(store, kind, slug))
    out(`Created ${kind} '${tenant.slug}'.`)
    out(`SCIM base URL path: ${tenantBasePath(tenant)}`)
    const selector = kind === 'organization' ? '--org' : '--enterprise'
    out(`Next: ${commandName()} token create ${selector} ${tenant.slug}${databaseFlag(values)}`)
    return
  }
  if (action === 'list') {
    if (slug !== undefined) throw new UsageError(`'list' takes no argument, got '${slug}'`, usage)
    const tenants = await withData(values, usage, (store) => store.listTenants())
    for (const t of tenants.filter((t) => t.kind === kind)) out(`${t.slug}\t${tenantBasePath(t)}\t${t.createdAt}`)
    return
  }
  throw new UsageError(action ? `unknown action '${action}'` : 'an action is required', usage)
}

async function tokenCommand(argv: string[], out: (s: string) => void) {
  const { values, positionals } = parse(
    argv,
    { ...TOKEN_TENANT, name: { type: 'string' }, 'expires-in': { type: 'string' }, 'no-expiry': { type: 'boolean' } },
    USAGE.token,
  )
  const [action, ...rest] = positionals
  if (values.help) return out(USAGE.token)
  if (action === 'create') {
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`, USAGE.token)
    const selector = tenantSelector(values, false)!
    const expiresInDays = tokenLifetime(values)
    const name = values.name as string | undefined
    if (name === '') throw new UsageError(`--name takes a name for the token, got ''`, USAGE.token)
    const issued = await withData(values, USAGE.token, async (store) => {
      const tenant = await requireTenant(store, selector.kind, selector.slug)
      const options = { ...(name && { name }), ...(expiresInDays !== undefined && { expiresInDays }) }
      return { tenant, ...(await issueToken(store, tenant, options)) }
    })
    const { record, tenant } = issued
    out(`Created token '${record.id}' for ${describeTenant(tenant)} (SCIM base URL path ${tenantBasePath(tenant)}).`)
    out(
      record.expiresAt
        ? `It expires at ${record.expiresAt}, in ${expiresInDays} days.`
        : 'It never expires: revoke it when it is no longer needed.',
    )
    out('Copy it now: it is shown only once.')
    out(issued.token)
    return
  }
  if (action === 'list') {
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`, USAGE.token)
    const selector = tenantSelector(values, true)
    const rows = await withData(values, USAGE.token, async (store) => {
      const tenant = selector && (await requireTenant(store, selector.kind, selector.slug))
      const tenants = new Map((await store.listTenants()).map((t) => [t.id, t]))
      return (await store.listTokens(tenant?.id)).map((t) => ({ t, tenant: tenants.get(t.tenantId) }))
    })
    const now = Date.now()
    out(['id', 'tenant', 'name', 'hint', 'status', 'created', 'expires', 'last used', 'revoked'].join('\t'))
    for (const { t, tenant } of rows) {
      out(
        [
          t.id,
          tenant ? describeTenant(tenant) : '?',
          t.name,
          t.hint,
          tokenStatus(t, now),
          t.createdAt,
          t.expiresAt ?? 'never',
          t.lastUsedAt ?? '-',
          t.revokedAt ?? '-',
        ].join('\t'),
      )
    }
    return
  }
  if (action === 'revoke') {
    const [id, ...extra] = rest
    if (!id || extra.length) throw new UsageError(`'revoke' takes exactly one token id`, USAGE.token)
    await withData(values, USAGE.token, (store) => revokeToken(store, id))
    out(`Revoked token '${id}'.`)
    return
  }
  throw new UsageError(action ? `unknown action '${action}'` : 'an action is required', USAGE.token)
}

async function migrateCommand(argv: string[], out: (s: string) => void) {
  const { values, positionals } = parse(argv, {}, USAGE.migrate)
  if (values.help) return out(USAGE.migrate)
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, USAGE.migrate)
  const url = databaseUrl(values, USAGE.migrate)
  const store = await openStore(url)
  let result
  try {
    result = await store.migrate()
  } finally {
    await store.close()
  }
  const { from, to } = result
  const database = describeDatabase(url)
  if (from === 0) out(`Created schema version ${to} in database ${database}.`)
  else if (from < to) out(`Migrated database ${database} from schema version ${from} to ${to}.`)
  else out(`Database ${database} is already at schema version ${to}.`)
}

async function backupCommand(argv: string[], out: (s: string) => void) {
  const { values, positionals } = parse(argv, {}, USAGE.backup)
  if (values.help) return out(USAGE.backup)
  const [file, ...extra] = positionals
  if (!file || extra.length) throw new UsageError(`'backup' takes exactly one file to write`, USAGE.backup)
  const url = databaseUrl(values, USAGE.backup)
  const target = parseDatabaseUrl(url)
  if (target.kind === 'postgres') {
    throw new UsageError(
      'backup copies SQLite databases; back up PostgreSQL with pg_dump: ' +
        `pg_dump --format=custom --file=roster.dump '<database URL>' (restore with pg_restore; docs/deployment.md)`,
      USAGE.backup,
    )
  }
  if (target.kind === 'memory') {
    throw new UsageError('sqlite::memory: has nothing to back up; name a file: sqlite:<path>', USAGE.backup)
  }
  const destination = resolve(file)
  const { version, bytes } = backupSqlite(url, resolve(target.path), destination)
  const size = bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`
  out(`Backed up database ${describeDatabase(url)} (schema version ${version}) to '${destination}' (${size}).`)
}

export async function run(argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return out(USAGE.main)
    case '--version':
      return out(`roster ${rosterVersion()}`)
    case 'serve': {
      const { values, positionals } = parse(
        rest,
        { port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' } },
        USAGE.serve,
      )
      if (values.help) return out(USAGE.serve)
      if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, USAGE.serve)
      const port = values.port === undefined ? undefined : Number(values.port)
      if (port !== undefined && !(/^\d+$/.test(String(values.port)) && port < 65536)) {
        throw new UsageError(`--port takes a port number from 0 to 65535, got '${String(values.port)}'`, USAGE.serve)
      }
      if (values.host === '') throw new UsageError(`--host takes an address, got ''`, USAGE.serve)
      const workers = workerCount(values)
      const database = databaseUrl(values, USAGE.serve)
      if (workers > 1 && parseDatabaseUrl(database).kind === 'memory') {
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
          ...(values.database !== undefined && { databaseUrl: database }),
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
    case 'migrate':
      return migrateCommand(rest, out)
    case 'backup':
      return backupCommand(rest, out)
    default:
      throw new UsageError(`unknown command '${command}'`, USAGE.main)
  }
}

/** Prints what went wrong, one message and never a stack, and returns the exit code. */
export function report(e: unknown, err: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (e instanceof UsageError) {
    err(`roster: ${e.message}\n\n${e.usage}\n`)
    return EXIT_USAGE
  }
  // Settings from the environment or a database URL that names nothing: known before doing anything.
  if (e instanceof ConfigError || e instanceof DatabaseUrlError) {
    err(`roster: ${e.message}\n`)
    return EXIT_USAGE
  }
  err(`roster: ${isScimError(e) ? e.detail : e instanceof Error ? e.message : String(e)}\n`)
  return EXIT_FAILURE
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  // Output piped into a command that stopped reading (`roster token list | head -1`): stop as
  // quietly as other command-line tools do, instead of dying on an unhandled EPIPE with a stack.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    process.exitCode = report(e)
  })
  try {
    await run(argv)
  } catch (e) {
    process.exitCode = report(e)
  }
}

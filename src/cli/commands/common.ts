/**
 * What every command shares: its arguments, its database, the tenant it acts on, and the one
 * way it says it was called wrongly.
 */
import { isAbsolute, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { DEFAULT_DATABASE_URL } from '../../http/config.js'
import { requireTenant } from '../../provisioning/tenants.js'
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS } from '../../provisioning/tokens.js'
import type { Store, Tenant, TenantKind } from '../../store/contract.js'
import { NoRosterDatabaseError, openStore, parseDatabaseUrl, redactDatabaseUrl } from '../../store/open-store.js'
import { newerSchema } from '../../store/schema-version.js'
import { commandName, databaseOption } from '../invocation.js'

/** One rule for every command (also in `roster --help`): 0 done, 1 failed, 2 called wrongly. */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** A mistake in how the command was called: exit code 2 and the command's usage. */
export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message)
  }
}

export type Options = Record<string, string | boolean | undefined>
export type Out = (s: string) => void

export function parse(argv: string[], options: ParseArgsConfig['options'], usage: string) {
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
export function databaseUrl(values: Options, usage: string): string {
  const flag = values.database as string | undefined
  if (flag === '') throw new UsageError(`--database takes a database URL, got ''`, usage)
  return flag ?? (process.env.ROSTER_DATABASE_URL || DEFAULT_DATABASE_URL)
}

/** The database as messages name it: without a password, and a relative SQLite path with its absolute file. */
export function describeDatabase(url: string): string {
  const target = parseDatabaseUrl(url)
  if (target.kind === 'postgres') return `'${redactDatabaseUrl(url)}'`
  if (target.kind === 'sqlite' && !isAbsolute(target.path)) return `'${url}' (file '${resolve(target.path)}')`
  return `'${url}'`
}

/** What a hint must add to a command for it to reach the same database: what the command line said. */
export function databaseFlag(values: Options): string {
  const url = values.database as string | undefined
  return url === undefined ? '' : databaseOption(url)
}

/**
 * Runs `fn` on an existing Roster database at the schema version this code knows. Only serve and
 * migrate create or upgrade one: anything else on a mistyped path would make a new, empty
 * database and answer from it as if nothing were wrong.
 */
export async function withData<T>(values: Options, usage: string, fn: (store: Store) => Promise<T>): Promise<T> {
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

/** The options that name a tenant; every command that acts in one takes them. */
export const TENANT_OPTIONS = { org: { type: 'string' }, enterprise: { type: 'string' }, instance: { type: 'boolean' } } as const

export interface TenantSelector {
  readonly kind: TenantKind
  readonly slug: string
}

/** Which tenant `--org`/`--enterprise`/`--instance` names; exactly one unless `optional`. */
export function tenantSelector(values: Options, usage: string, optional = false): TenantSelector | undefined {
  const chosen: TenantSelector[] = []
  if (values.org !== undefined) chosen.push({ kind: 'organization', slug: String(values.org) })
  if (values.enterprise !== undefined) chosen.push({ kind: 'enterprise', slug: String(values.enterprise) })
  if (values.instance) chosen.push({ kind: 'instance', slug: '' })
  if (chosen.length > 1 || (chosen.length === 0 && !optional)) {
    throw new UsageError('name exactly one tenant: --org <slug>, --enterprise <slug> or --instance', usage)
  }
  const [selector] = chosen
  if (selector && selector.kind !== 'instance' && selector.slug === '') {
    throw new UsageError(`--${selector.kind === 'organization' ? 'org' : 'enterprise'} takes a slug, got ''`, usage)
  }
  return selector
}

/**
 * Runs `fn` in the tenant the options name, on an existing database. The selector is checked
 * before the database is opened: a command called wrongly says so without touching it.
 */
export function withTenant<T>(values: Options, usage: string, fn: (store: Store, tenant: Tenant) => Promise<T>): Promise<T> {
  const selector = tenantSelector(values, usage)!
  return withData(values, usage, async (store) => fn(store, await requireTenant(store, selector.kind, selector.slug)))
}

export const describeTenant = (t: Pick<Tenant, 'kind' | 'slug'>) => (t.kind === 'instance' ? 'the instance' : `${t.kind} '${t.slug}'`)

/**
 * `--expires-in DAYS`, `--no-expiry`, or the default lifetime; undefined: never expires. Whole
 * days only: `0` or `''` once made a token that never expired, and `0.5` half a day under a
 * message that promised days.
 */
export function tokenLifetime(values: Options, usage: string): number | undefined {
  const given = values['expires-in'] as string | undefined
  if (values['no-expiry']) {
    if (given !== undefined) throw new UsageError('give --expires-in DAYS or --no-expiry, not both', usage)
    return undefined
  }
  if (given === undefined) return DEFAULT_TOKEN_DAYS
  const days = Number(given)
  if (!/^\d+$/.test(given) || days < 1 || days > MAX_TOKEN_DAYS) {
    throw new UsageError(
      `--expires-in takes a whole number of days from 1 to ${MAX_TOKEN_DAYS}, got '${given}'; ` +
        'a token that never expires is asked for with --no-expiry',
      usage,
    )
  }
  return days
}

/** The token options both `token create` and `admin-token create` take. */
export const LIFETIME_OPTIONS = {
  name: { type: 'string' },
  'expires-in': { type: 'string' },
  'no-expiry': { type: 'boolean' },
} as const

/** `--name`, when given: never empty. */
export function tokenName(values: Options, usage: string): string | undefined {
  const name = values.name as string | undefined
  if (name === '') throw new UsageError(`--name takes a name for the token, got ''`, usage)
  return name
}

/** A token's status, the same words for SCIM and admin tokens. */
export function tokenStatus(t: { revokedAt: string | null; expiresAt: string | null }, now: number): string {
  if (t.revokedAt !== null) return 'revoked'
  return t.expiresAt !== null && Date.parse(t.expiresAt) <= now ? 'expired' : 'active'
}

export const DEFAULT_LIST_LIMIT = 100
export const MAX_LIST_LIMIT = 10_000

/** `--limit N`: how many rows a list shows at most. */
export function listLimit(values: Options, usage: string): number {
  const given = values.limit as string | undefined
  if (given === undefined) return DEFAULT_LIST_LIMIT
  const n = Number(given)
  if (!/^\d+$/.test(given) || n < 1 || n > MAX_LIST_LIMIT) {
    throw new UsageError(`--limit takes a whole number from 1 to ${MAX_LIST_LIMIT}, got '${given}'`, usage)
  }
  return n
}

/** The value of `--<option>`, which must be one of `allowed` (undefined when not given). */
export function oneOf<T extends string>(values: Options, option: string, allowed: readonly T[], usage: string): T | undefined {
  const given = values[option] as string | undefined
  if (given === undefined) return undefined
  if (!(allowed as readonly string[]).includes(given)) {
    const choices = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`
    throw new UsageError(`--${option} takes ${choices}, got '${given}'`, usage)
  }
  return given as T
}

/** Checks an action's arguments: at least `min`, at most `max`, none empty; `what` names them for the message. */
export function expectArguments(action: string, args: string[], [min, max]: [number, number], what: string, usage: string): void {
  if (args.length > max) throw new UsageError(`unexpected argument '${args[max]}'`, usage)
  if (args.length < min) throw new UsageError(`'${action}' takes ${what}`, usage)
  if (args.includes('')) throw new UsageError(`'${action}' takes ${what}, got ''`, usage)
}

export const unknownAction = (action: string | undefined, usage: string) =>
  new UsageError(action ? `unknown action '${action}'` : 'an action is required', usage)

/**
 * The action, which must be one of `actions`, and the options given, each of which it must take
 * (`account show --state x` would otherwise look as if it did something). `allowed`: each
 * option and the actions taking it; options not named there every action takes.
 */
export function checkAction(
  action: string | undefined,
  actions: readonly string[],
  values: Options,
  allowed: Readonly<Record<string, readonly string[]>>,
  usage: string,
): string {
  if (action === undefined || !actions.includes(action)) throw unknownAction(action, usage)
  for (const [option, takers] of Object.entries(allowed)) {
    if (values[option] === undefined || takers.includes(action)) continue
    const names = takers.map((a) => `'${a}'`)
    const which = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]
    throw new UsageError(`--${option} is given to ${which} only`, usage)
  }
  return action
}

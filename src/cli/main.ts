import { resolve } from 'node:path'
import { ConfigError } from '../http/config.js'
import { isScimError } from '../scim/errors.js'
import { DatabaseUrlError, openStore, parseDatabaseUrl } from '../store/open-store.js'
import { backupSqlite } from './backup.js'
import { accountCommand } from './commands/accounts.js'
import { adminTokenCommand } from './commands/admin-tokens.js'
import {
  databaseUrl,
  describeDatabase,
  EXIT_FAILURE,
  EXIT_USAGE,
  parse,
  UsageError,
  type Options,
  type Out,
} from './commands/common.js'
import { logCommand } from './commands/log.js'
import { outboxCommand } from './commands/outbox.js'
import { webhookCommand } from './commands/webhooks.js'
import { teamCommand } from './commands/teams.js'
import { tenantCommand } from './commands/tenants.js'
import { tokenCommand } from './commands/tokens.js'
import { USAGE } from './usage.js'
import { rosterVersion } from './version.js'

export { EXIT_FAILURE, EXIT_USAGE, UsageError }

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

async function migrateCommand(argv: string[], out: Out) {
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

async function backupCommand(argv: string[], out: Out) {
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

export async function run(argv: string[], out: Out = (s) => process.stdout.write(`${s}\n`)): Promise<void> {
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
      // Loaded only to serve: the HTTP server's modules are most of the CLI's start-up time, and
      // every other command runs without them.
      const { serve } = await import('./serve.js')
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
    case 'admin-token':
      return adminTokenCommand(rest, out)
    case 'account':
      return accountCommand(rest, out)
    case 'team':
      return teamCommand(rest, out)
    case 'outbox':
      return outboxCommand(rest, out)
    case 'log':
      return logCommand(rest, out)
    case 'webhook':
      return webhookCommand(rest, out)
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

/**
 * Starting and stopping what the benchmark measures: a fresh Roster (bin/roster serve on its
 * own database) and the bare Fastify baseline, each in its own process group, pinned to the
 * server core. Also the description of an already running SCIM server given with --target.
 */
import { execFile, type ChildProcess } from 'node:child_process'
import { accessSync, constants, closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { pinned, spawnTracked, stopChild } from './processes.js'

/** Where SCIM requests go: `origin` + `basePath` + `/Users`. */
export interface Endpoint {
  origin: string
  basePath: string
  headers: Record<string, string>
  /** For the report: what was measured. */
  description: string
}

export interface Service extends Endpoint {
  /** Process group of the server, to read its CPU time. */
  pgid?: number
  stop(): Promise<void>
}

const BARE_SERVER = fileURLToPath(new URL('./bare-server.js', import.meta.url))
const HEALTH_TIMEOUT_MS = 30_000
const CLI_TIMEOUT_MS = 60_000

export const BENCH_ORG = 'bench'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('could not find a free port'))
      })
    })
  })
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** Polls GET /healthz until it answers 200, the child exits, or the timeout passes. */
async function waitForHealth(origin: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.signalCode ?? child.exitCode}) before ready:\n${tail(logPath)}`)
    }
    try {
      const response = await request(`${origin}/healthz`, { headersTimeout: 2000, bodyTimeout: 2000 })
      await response.body.dump()
      if (response.statusCode === 200) return
    } catch {
      // Not listening yet.
    }
    await sleep(100)
  }
  throw new Error(`${origin}/healthz did not answer 200 within ${HEALTH_TIMEOUT_MS} ms:\n${tail(logPath)}`)
}

/** The server's output goes to a log file in the run's temp dir, never to the terminal. */
function startLogged(command: string, args: string[], logPath: string, cwd: string): ChildProcess {
  const log = openSync(logPath, 'a')
  try {
    return spawnTracked(command, args, { cwd, stdio: ['pipe', log, log] })
  } finally {
    closeSync(log)
  }
}

function service(endpoint: Endpoint, child: ChildProcess): Service {
  const result: Service = { ...endpoint, stop: () => stopChild(child) }
  if (child.pid !== undefined) result.pgid = child.pid
  return result
}

export async function startBare(options: { cpu: number | undefined; dir: string }): Promise<Service> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const logPath = join(options.dir, 'bare.log')
  const [command, args] = pinned(options.cpu, process.execPath, [BARE_SERVER, String(port)])
  const child = startLogged(command, args, logPath, options.dir)
  await waitForHealth(origin, child, logPath)
  return service({ origin, basePath: '/bare', headers: {}, description: 'bare Fastify route' }, child)
}

/** bin/roster may be a script without the executable bit in a fresh checkout. */
function rosterCommand(bin: string, args: string[]): [string, string[]] {
  try {
    accessSync(bin, constants.X_OK)
    return [bin, args]
  } catch {
    return [process.execPath, [bin, ...args]]
  }
}

function runCli(bin: string, args: string[], cwd: string): Promise<string> {
  const [command, fullArgs] = rosterCommand(bin, args)
  return new Promise((resolve, reject) => {
    execFile(command, fullArgs, { cwd, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout)
      const output = (stderr || stdout).trim().split('\n').slice(0, 8).join('\n')
      reject(new Error(`roster ${args.join(' ')} failed (${error.code ?? error.signal}):\n${output}`))
    })
  })
}

export interface RosterOptions {
  bin: string
  database: string
  cpu: number | undefined
  /** The run's temp dir: logs go there, and it is the server's working directory. */
  dir: string
  /** `serve --workers N`, passed only above 1 (older servers reject the flag). */
  workers: number
}

export function serveArgs(port: number, database: string, workers: number): string[] {
  const args = ['serve', '--port', String(port), '--host', '127.0.0.1', '--database', database]
  if (workers > 1) args.push('--workers', String(workers))
  return args
}

/** Creates the database, the bench tenant and its token, then starts `roster serve` and waits until ready. */
export async function startRoster(options: RosterOptions): Promise<Service> {
  const { bin, database, dir } = options
  // The CLI's data commands need an existing database; migrate makes it (older builds too).
  await runCli(bin, ['migrate', '--database', database], dir)
  await runCli(bin, ['org', 'create', BENCH_ORG, '--database', database], dir)
  const stdout = await runCli(bin, ['token', 'create', '--org', BENCH_ORG, '--database', database], dir)
  const token = stdout.trimEnd().split('\n').at(-1)?.trim() ?? ''
  if (token === '') throw new Error('roster token create printed no token')

  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const logPath = join(dir, 'roster.log')
  const [rosterCmd, rosterArgs] = rosterCommand(bin, serveArgs(port, database, options.workers))
  const [command, args] = pinned(options.cpu, rosterCmd, rosterArgs)
  const child = startLogged(command, args, logPath, dir)
  await waitForHealth(origin, child, logPath)
  return service(
    {
      origin,
      basePath: `/scim/v2/organizations/${BENCH_ORG}`,
      headers: scimHeaders(token),
      description:
        `fresh Roster (${database.split(':')[0]}` +
        `${options.workers > 1 ? `, ${options.workers} workers` : ''}) started by the benchmark`,
    },
    child,
  )
}

export function scimHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, accept: 'application/scim+json' }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

export function isLoopback(url: URL): boolean {
  return LOOPBACK.test(url.hostname)
}

/**
 * An existing SCIM server. `baseUrl` is its SCIM base:
 * http://127.0.0.1:8080/scim/v2/organizations/acme
 */
export function targetEndpoint(baseUrl: URL, token: string): Endpoint {
  return {
    origin: baseUrl.origin,
    basePath: baseUrl.pathname.replace(/\/+$/, ''),
    headers: scimHeaders(token),
    description: 'existing SCIM server given with --target',
  }
}

/**
 * `npm run bench`: starts a fresh Roster (or uses --target), a bare Fastify baseline and a load
 * generator, each in its own process, runs the workloads, prints a table and writes JSON.
 * See docs/benchmarks.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchContext } from './context.js'
import { LoadGenerator } from './load.js'
import { HELP, parseOptions, type BenchOptions } from './options.js'
import { installCleanup, onExit, stopAll } from './processes.js'
import { failedRow, formatDetails, formatTable, hasErrors, summaryLine, targetsMet } from './report.js'
import type { Report, Row } from './report.js'
import { isLoopback, startBare, startRoster, targetEndpoint, type Endpoint, type Service } from './server.js'
import { createUsers } from './workloads/create-users.js'
import { lookupUser } from './workloads/lookup-user.js'
import { page } from './workloads/page.js'
import { patchMembers, patchUsersNeeded } from './workloads/patch-members.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`)
}

/** Problems that make the run pointless, found before anything starts. */
function preflight(options: BenchOptions): string | undefined {
  if (options.target !== undefined && !isLoopback(options.target) && !options.allowRemote) {
    const host = options.target.host
    return `--target ${host} is not on this machine; add --allow-remote if it is a server you own`
  }
  if (options.only.includes('patch') && options.users < patchUsersNeeded(options.largeGroup)) {
    const needed = patchUsersNeeded(options.largeGroup)
    return `the patch workload needs --users >= ${needed} with --large-group ${options.largeGroup}`
  }
  if (options.target === undefined) {
    const bin = options.rosterBin ?? join(REPO, 'bin/roster')
    if (!existsSync(bin)) return `${bin} does not exist: build Roster first, or give --roster-bin or --target`
  }
  return undefined
}

function settings(options: BenchOptions): Record<string, unknown> {
  const { token: _token, target, help: _help, ...rest } = options
  return { ...rest, target: target?.href }
}

async function bench(options: BenchOptions): Promise<Report> {
  const startedAt = new Date().toISOString()
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'))
  if (options.keep) log(`keeping ${dir}`)
  else onExit(() => rmSync(dir, { recursive: true, force: true }))

  // Two cores: the server under test (and, at other times, the bare route) on one, the load
  // generator on the other, so neither steals the other's CPU.
  const pin = options.pin && availableParallelism() >= 2
  const serverCpu = pin ? 0 : undefined
  const generatorCpu = pin ? 1 : undefined

  const services: Service[] = []
  const bare = await startBare({ cpu: serverCpu, dir })
  services.push(bare)
  let scim: Endpoint | Service
  if (options.target !== undefined) {
    scim = targetEndpoint(options.target, options.token ?? '')
  } else {
    const database = options.database ?? `sqlite:${join(dir, 'bench.db')}`
    log(`starting Roster on ${database}`)
    const bin = options.rosterBin ?? join(REPO, 'bin/roster')
    const roster = await startRoster({ bin, database, cpu: serverCpu, dir })
    services.push(roster)
    scim = roster
  }
  log(`measuring ${scim.description}: ${scim.origin}${scim.basePath}`)

  const generator = LoadGenerator.start(generatorCpu)
  const ctx: BenchContext = {
    options,
    generator,
    scim,
    bare,
    userNamePrefix: options.target === undefined ? 'user' : `bench-${Date.now().toString(36)}-`,
    userIds: [],
    log,
  }
  const rows: Row[] = []
  // A workload that fails becomes a flagged row; the others still run.
  const run = async (workload: string, body: () => Promise<Row[]>): Promise<void> => {
    try {
      rows.push(...(await body()))
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      log(`${workload} failed: ${message}`)
      rows.push(failedRow(workload, message))
    }
  }
  try {
    await run('create', () => createUsers(ctx, options.only.includes('create')))
    // Lookups and pages run before PATCH fills groups: a User's `groups` (RFC 7643 §4.1.2) is
    // part of what they return, and the PATCH workload puts some users in hundreds of groups.
    if (options.only.includes('lookup')) await run('lookup', () => lookupUser(ctx))
    if (options.only.includes('page')) await run('page', () => page(ctx))
    if (options.only.includes('patch')) await run('patch', () => patchMembers(ctx))
  } finally {
    await generator.stop()
    await Promise.all(services.map((service) => service.stop()))
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    node: process.version,
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown' },
    measured: scim.description,
    settings: settings(options),
    rows,
    errors: hasErrors(rows),
    targetsMet: targetsMet(rows),
  }
}

async function main(): Promise<number> {
  let options: BenchOptions
  try {
    options = parseOptions(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`)
    return 2
  }
  if (options.help) {
    process.stdout.write(HELP)
    return 0
  }
  const problem = preflight(options)
  if (problem !== undefined) {
    process.stderr.write(`bench: ${problem}\n`)
    return 2
  }
  installCleanup()
  const report = await bench(options)

  const jsonPath = options.json ?? join(REPO, 'dist/bench-results.json')
  const json = JSON.stringify(report, null, 2)
  mkdirSync(dirname(jsonPath), { recursive: true })
  writeFileSync(jsonPath, `${json}\n`)
  const text = [formatTable(report.rows), formatDetails(report.rows), summaryLine(report)].join('\n\n')
  process.stdout.write(`\n${text}\n`)
  process.stdout.write(`\n${json}\n\nJSON written to ${jsonPath}\n`)
  if (report.errors) return 1
  if (options.check && !report.targetsMet) return 1
  return 0
}

main().then(
  async (code) => {
    await stopAll()
    process.exit(code)
  },
  async (error: unknown) => {
    // Our own failures carry a message meant for a person; BENCH_DEBUG=1 shows where it came from.
    const debug = process.env['BENCH_DEBUG'] !== undefined
    const text = error instanceof Error ? (debug ? error.stack : error.message) : String(error)
    process.stderr.write(`bench: ${text}\n`)
    await stopAll()
    process.exit(1)
  },
)

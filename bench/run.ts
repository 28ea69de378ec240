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
import { redactDatabaseUrl } from '../src/store/postgres/database-url.js'
import { HELP, parseOptions, SCALE_BASE_USERS, type BenchOptions } from './options.js'
import { installCleanup, onCleanup, onExit, runCleanups, stopAll } from './processes.js'
import { emptyMeasurement, failedRow, formatDetails, formatTable, hasErrors, rssRow, summaryLine, targetsMet } from './report.js'
import type { Report, Row } from './report.js'
import { createScratchDatabase, isPostgresUrl } from './scratch-database.js'
import { isLoopback, startBare, startRoster, targetEndpoint, type Endpoint, type Service } from './server.js'
import { accountsCreate } from './workloads/accounts-create.js'
import { ACCOUNT_WORKLOADS, enterpriseUsersNeeded } from './workloads/accounts-plan.js'
import { AccountsBench } from './workloads/accounts-setup.js'
import { createUsers } from './workloads/create-users.js'
import { deactivateUsers } from './workloads/deactivate.js'
import { groupRead } from './workloads/group-read.js'
import { loadUsers } from './workloads/load-users.js'
import { lookupUsers, scaleRows, type Lookups } from './workloads/lookup-user.js'
import { cursorWalk, startIndexWalk } from './workloads/page.js'
import { patchMembers, patchUsersNeeded } from './workloads/patch-members.js'
import { eventsCreate } from './workloads/events-create.js'
import { EVENT_WORKLOADS, EventsBench } from './workloads/events-setup.js'
import { feedRead } from './workloads/feed-read.js'
import { entraSync } from './workloads/sync.js'
import { teamLink } from './workloads/team-link.js'
import { teamPatch } from './workloads/team-patch.js'
import { webhookDelivery } from './workloads/webhook-delivery.js'

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
  if (options.only.includes('group-read') && options.users < options.largeGroup) {
    return `the group-read workload needs --users >= --large-group (${options.largeGroup})`
  }
  if (options.target === undefined) {
    const bin = options.rosterBin ?? join(REPO, 'bin/roster')
    if (!existsSync(bin)) return `${bin} does not exist: build Roster first, or give --roster-bin or --target`
  }
  return undefined
}

function settings(options: BenchOptions): Record<string, unknown> {
  const { token: _token, target, help: _help, database, ...rest } = options
  const redacted = database === undefined ? undefined : redactDatabaseUrl(database)
  return { ...rest, target: target?.href, database: redacted }
}

async function bench(options: BenchOptions): Promise<Report> {
  const startedAt = new Date().toISOString()
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'))
  if (options.keep) log(`keeping ${dir}`)
  else onExit(() => rmSync(dir, { recursive: true, force: true }))

  // Two cores: the server under test (and, at other times, the bare route) on one, the load
  // generator on the other, so neither steals the other's CPU.
  // With --workers N the server's processes share every core but the generator's.
  const pin = options.pin && availableParallelism() >= 2
  const serverCpu = pin && options.workers === 1 ? 0 : undefined
  const generatorCpu = pin ? 1 : undefined

  const services: Service[] = []
  const bare = await startBare({ cpu: serverCpu, dir })
  services.push(bare)
  let scim: Endpoint | Service
  let database: string | undefined
  if (options.target !== undefined) {
    scim = targetEndpoint(options.target, options.token ?? '')
  } else {
    database = options.database ?? `sqlite:${join(dir, 'bench.db')}`
    if (isPostgresUrl(database)) {
      const scratch = await createScratchDatabase(database)
      const drop = async () => {
        const problem = await scratch.drop()
        log(problem ?? `dropped the scratch database ${scratch.name}`)
      }
      // After the server has stopped: on the normal way out (below) and on a signal.
      onCleanup(drop)
      if (options.keep) log(`--keep: the scratch database ${scratch.name} is dropped all the same`)
      log(`created the scratch database ${scratch.name} (the database named in --database is not used)`)
      database = scratch.url
    }
    const workers = options.workers > 1 ? ` with ${options.workers} workers` : ''
    log(`starting Roster on ${redactDatabaseUrl(database)}${workers}`)
    const bin = options.rosterBin ?? join(REPO, 'bin/roster')
    const roster = await startRoster({ bin, database, cpu: serverCpu, dir, workers: options.workers })
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
    discovered: {},
    ...(database !== undefined && { database }),
    ...(serverCpu !== undefined && options.target === undefined && { serverCpu }),
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
  const only = (name: (typeof options.only)[number]) => options.only.includes(name)
  try {
    // --scale: load 10,000 users, measure lookups, grow to --users, measure again.
    const firstSize = options.scale ? SCALE_BASE_USERS : options.users
    await run('create', () => createUsers(ctx, only('create'), firstSize))
    let small: Lookups | undefined
    if (options.scale && only('lookup')) {
      await run('lookup', async () => {
        small = await lookupUsers(ctx)
        return small.rows
      })
    }
    if (options.scale) await run('load', () => loadUsers(ctx, options.users))
    // Lookups and pages run before PATCH fills groups: a User's `groups` (RFC 7643 §4.1.2) is
    // part of what they return, and the PATCH workload puts some users in hundreds of groups.
    if (only('lookup')) {
      await run('lookup', async () => {
        const large = await lookupUsers(ctx)
        return small === undefined ? large.rows : [...large.rows, ...scaleRows(small, large)]
      })
    }
    if (only('walk')) await run('walk', () => startIndexWalk(ctx))
    if (only('cursor')) await run('cursor', () => cursorWalk(ctx))
    if (only('patch')) await run('patch', () => patchMembers(ctx))
    if (only('group-read')) await run('group-read', () => groupRead(ctx))
    // Last: it adds --sync-users users to the directory.
    if (only('sync')) await run('sync', () => entraSync(ctx))
    // After everything else, on tenants of their own: the rows above stay comparable with runs
    // made before accounts existed.
    if (ACCOUNT_WORKLOADS.some(only)) await accountWorkloads(ctx, run, rows)
    if (EVENT_WORKLOADS.some(only)) await eventWorkloads(ctx, run, rows)
  } finally {
    await generator.stop()
    await Promise.all(services.map((service) => service.stop()))
    await runCleanups()
  }
  const rss = rssRow(rows)
  if (rss !== undefined) rows.push(rss)
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

type RunWorkload = (workload: string, body: () => Promise<Row[]>) => Promise<void>

async function accountWorkloads(ctx: BenchContext, run: RunWorkload, rows: Row[]): Promise<void> {
  const selected = ACCOUNT_WORKLOADS.filter((name) => ctx.options.only.includes(name))
  if (ctx.database === undefined) {
    log(`skipped ${selected.join(', ')}: they prepare tenants through the server's database`)
    for (const workload of selected) {
      rows.push({
        workload,
        label: `${workload}: SKIPPED`,
        kind: 'summary',
        measurement: emptyMeasurement(),
        figure: 'not with --target',
        notes: ["skipped: it prepares tenants, teams and sessions through the database of a Roster the benchmark starts"],
      })
    }
    return
  }
  let setup: AccountsBench | undefined
  await run('accounts', async () => {
    setup = await AccountsBench.open(ctx)
    return []
  })
  if (setup === undefined) return
  const s = setup
  try {
    if (selected.includes('accounts-create')) await run('accounts-create', () => accountsCreate(ctx, s))
    const needed = enterpriseUsersNeeded(ctx.options)
    if (needed > 0) await run('accounts', () => s.enterpriseUsers(needed))
    if (selected.includes('deactivate')) await run('deactivate', () => deactivateUsers(ctx, s))
    if (selected.includes('team-patch')) await run('team-patch', () => teamPatch(ctx, s))
    // Last: its team takes in the enterprise's first --users users.
    if (selected.includes('team-link')) await run('team-link', () => teamLink(ctx, s))
  } finally {
    await s.close()
  }
}

/** Events, webhooks and the feed, on enterprises of their own (workloads/events-setup.ts). */
async function eventWorkloads(ctx: BenchContext, run: RunWorkload, rows: Row[]): Promise<void> {
  const selected = EVENT_WORKLOADS.filter((name) => ctx.options.only.includes(name))
  if (ctx.database === undefined) {
    log(`skipped ${selected.join(', ')}: they prepare tenants through the server's database`)
    for (const workload of selected) {
      rows.push({
        workload,
        label: `${workload}: SKIPPED`,
        kind: 'summary',
        measurement: emptyMeasurement(),
        figure: 'not with --target',
        notes: ['skipped: it prepares tenants, webhook endpoints and events through the database of a Roster the benchmark starts'],
      })
    }
    return
  }
  let setup: EventsBench | undefined
  await run('events', async () => {
    setup = await EventsBench.open(ctx)
    return []
  })
  if (setup === undefined) return
  const s = setup
  try {
    if (selected.includes('events-create')) await run('events-create', () => eventsCreate(ctx, s))
    if (selected.includes('webhook-delivery')) await run('webhook-delivery', () => webhookDelivery(ctx, s))
    if (selected.includes('feed-read')) await run('feed-read', () => feedRead(ctx, s))
  } finally {
    await s.close()
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
    await runCleanups()
    process.exit(code)
  },
  async (error: unknown) => {
    // Our own failures carry a message meant for a person; BENCH_DEBUG=1 shows where it came from.
    const debug = process.env['BENCH_DEBUG'] !== undefined
    const text = error instanceof Error ? (debug ? error.stack : error.message) : String(error)
    process.stderr.write(`bench: ${text}\n`)
    await stopAll()
    await runCleanups()
    process.exit(1)
  },
)

import { parseArgs } from 'node:util'

export const WORKLOADS = [
  'create',
  'lookup',
  'patch',
  'group-read',
  'walk',
  'cursor',
  'sync',
  'accounts-create',
  'deactivate',
  'team-patch',
  'team-link',
  'events-create',
  'webhook-delivery',
  'feed-read',
] as const
export type WorkloadName = (typeof WORKLOADS)[number]
/** Names of earlier versions, still accepted. */
const ALIASES: Record<string, WorkloadName> = { page: 'walk' }

export type LoadWith = 'auto' | 'post' | 'bulk'
export type WalkChoice = 'auto' | 'full' | 'sampled'
/** Above this many users `--walk auto` samples the walk instead of reading every page. */
export const FULL_WALK_MAX_USERS = 100_000
/** Lookups of `--scale` are measured first at this many users. */
export const SCALE_BASE_USERS = 10_000

export interface BenchOptions {
  users: number
  quick: boolean
  /** SCIM base URL of a running server; when absent a fresh Roster is started. */
  target: URL | undefined
  token: string | undefined
  allowRemote: boolean
  /** Database of the started Roster; undefined means a SQLite file in the run's temp dir. */
  database: string | undefined
  rosterBin: string | undefined
  /** `serve --workers N`; only passed to serve when above 1. */
  workers: number
  /** Measure lookups at SCALE_BASE_USERS, then again after growing to `users`. */
  scale: boolean
  /** How users beyond the measured creates are loaded. */
  loadWith: LoadWith
  walk: 'full' | 'sampled'
  syncUsers: number
  syncGroups: number
  connections: number
  pipelining: number
  patchConnections: number
  durationMs: number
  warmupMs: number
  createMeasured: number
  largeGroup: number
  patches: number
  seed: number
  json: string | undefined
  only: WorkloadName[]
  keep: boolean
  pin: boolean
  check: boolean
  help: boolean
}

export const HELP = `Usage: npm run bench -- [options]

Starts a fresh Roster on a temporary SQLite database (or uses --target), loads users through
the SCIM API, and measures each workload beside a bare Fastify JSON route in the same run.

Workloads (--only): create (POST /Users), lookup (filter userName eq and externalId eq),
patch (PATCH adding 100 members to groups of 100 and of --large-group), group-read (GET a
group with excludedAttributes=members: one of --large-group members vs an empty one), walk
(every page in order by startIndex, count=100), cursor (RFC 9865 cursor walk), sync (an
Entra-style initial sync: externalId lookup then create per user, then groups and members).
On tenants of their own (an enterprise with accounts, one with accounts: false, an
organization), prepared through the domain services on the server's database: accounts-create
(POST /Users with an account + welcome email, and with an invitation + email, vs a plain
create), deactivate (PATCH active false of a user in 50 linked teams with 100 sessions vs one
in 1 team with 1 session), team-patch (PATCH +100 members on a group linked to 3 teams vs an
unlinked one), team-link (link a team to a group of --users members: time until reconciled,
and the p99 of userName lookups meanwhile vs idle). On enterprises of their own: events-create
(POST /Users with durable events vs a tenant with events: false), webhook-delivery (a backlog
of 3,000 events sent to 1 webhook endpoint and to 4: events/s; then creates at 1,000/s for 10 s,
one endpoint: the lag from each create's answer to the receiver, p50/p99), feed-read (read 100,000 seeded events through GET /events,
1,000 a page: events/s). These need a Roster the benchmark starts.

Options:
  --users N               users to load (default 100000; 5000 with --quick; 1000000 is the
                          scale run)
  --quick                 smoke run: fewer users, shorter phases (well under a minute)
  --target URL            SCIM base URL of a running server instead of a fresh Roster,
                          e.g. http://127.0.0.1:8080/scim/v2/organizations/acme
  --token TOKEN           bearer token for --target (or env ROSTER_BENCH_TOKEN)
  --allow-remote          allow a --target that is not on this machine (loopback); only ever
                          point a load test at a server you own
  --database URL          database for the started Roster (default sqlite:<temp dir>/bench.db);
                          postgres://user@host:port[/db]: a scratch database roster_bench_<pid>
                          is created on that server and dropped at the end (the database named
                          in the URL is never touched)
  --workers N             passed to 'roster serve --workers N' (default 1: not passed)
  --roster-bin PATH       roster executable (default bin/roster of this checkout)
  --scale                 measure lookups at ${SCALE_BASE_USERS.toLocaleString('en-US')} users, grow to --users, measure again
                          and report the ratio (the scale target: flat cost)
  --load-with HOW         load users beyond the measured creates with: auto (measure POST /Users
                          and POST /Bulk, use the faster; default), post, bulk
  --walk MODE             startIndex walk: full (every page), sampled (first 5 and last 5 pages),
                          auto (default: full up to ${FULL_WALK_MAX_USERS.toLocaleString('en-US')} users, sampled above)
  --sync-users N          users of the Entra-style sync (default 100000; 1000 with --quick)
  --sync-groups N         groups of 100 members of the sync (default 1000; 10 with --quick)
  --connections N         keep-alive connections of the load generator (default 32)
  --pipelining N          requests in flight per connection (default 1)
  --patch-connections N   connections for the PATCH workloads (default 8)
  --duration S            measured seconds of each timed phase (default 5; 2 with --quick)
  --warmup S              warm-up seconds before each timed phase (default 1; 0.5 with --quick)
  --create-measured N     creates measured before the rest are loaded (default 20000; 2000 quick)
  --large-group N         members of the large group (default 10000; 1000 with --quick)
  --patches N             measured PATCHes per group size (default 400; 40 with --quick)
  --only LIST             comma-separated subset of: ${WORKLOADS.join(', ')} (users are always loaded)
  --seed N                seed of the random choices (default 1)
  --json PATH             where to write the JSON results (default dist/bench-results.json)
  --keep                  keep the temp dir (database, server logs) and print where it is
  --no-pin                do not pin the server and the load generator to separate cores
  --check                 exit 1 when a target is not met (errors always exit 1)
  -h, --help              this help
`

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`--${name}: expected a positive integer, got '${raw}'`)
  }
  return value
}

function seconds(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback * 1000
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0 || value > 600) {
    throw new TypeError(`--${name}: expected seconds between 0 and 600, got '${raw}'`)
  }
  return value * 1000
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = {}): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      users: { type: 'string' },
      quick: { type: 'boolean', default: false },
      target: { type: 'string' },
      token: { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      database: { type: 'string' },
      'roster-bin': { type: 'string' },
      workers: { type: 'string' },
      scale: { type: 'boolean', default: false },
      'load-with': { type: 'string' },
      walk: { type: 'string' },
      'sync-users': { type: 'string' },
      'sync-groups': { type: 'string' },
      connections: { type: 'string' },
      pipelining: { type: 'string' },
      'patch-connections': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'create-measured': { type: 'string' },
      'large-group': { type: 'string' },
      patches: { type: 'string' },
      only: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const quick = values.quick === true
  const only = (values.only ?? WORKLOADS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => ALIASES[name] ?? name)
  for (const name of only) {
    if (!(WORKLOADS as readonly string[]).includes(name)) {
      throw new TypeError(`--only: unknown workload '${name}', expected some of ${WORKLOADS.join(', ')}`)
    }
  }

  let target: URL | undefined
  if (values.target !== undefined) {
    try {
      target = new URL(values.target)
    } catch {
      throw new TypeError(`--target: expected an absolute http(s) URL, got '${values.target}'`)
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new TypeError(`--target: expected an http or https URL, got '${target.protocol}'`)
    }
  }
  const token = values.token ?? env['ROSTER_BENCH_TOKEN']
  if (target !== undefined && (token === undefined || token === '')) {
    throw new TypeError('--target needs --token TOKEN (or ROSTER_BENCH_TOKEN)')
  }
  if (target === undefined && values.token !== undefined) {
    throw new TypeError('--token is only for --target; a fresh Roster gets its own token')
  }
  if (target !== undefined && values.database !== undefined) {
    throw new TypeError('--database is for the Roster the benchmark starts, not for --target')
  }
  if (target !== undefined && values.workers !== undefined) {
    throw new TypeError('--workers is for the Roster the benchmark starts, not for --target')
  }
  const loadWith = values['load-with'] ?? 'auto'
  if (loadWith !== 'auto' && loadWith !== 'post' && loadWith !== 'bulk') {
    throw new TypeError(`--load-with: expected auto, post or bulk, got '${loadWith}'`)
  }
  const walkChoice = values.walk ?? 'auto'
  if (walkChoice !== 'auto' && walkChoice !== 'full' && walkChoice !== 'sampled') {
    throw new TypeError(`--walk: expected auto, full or sampled, got '${walkChoice}'`)
  }
  const users = positiveInt('users', values.users, quick ? 5_000 : 100_000)

  const options: BenchOptions = {
    users,
    quick,
    target,
    token: target === undefined ? undefined : token,
    allowRemote: values['allow-remote'] === true,
    database: values.database,
    rosterBin: values['roster-bin'],
    workers: positiveInt('workers', values.workers, 1),
    scale: values.scale === true,
    loadWith,
    walk: walkChoice === 'auto' ? (users <= FULL_WALK_MAX_USERS ? 'full' : 'sampled') : walkChoice,
    syncUsers: positiveInt('sync-users', values['sync-users'], quick ? 1_000 : 100_000),
    syncGroups: positiveInt('sync-groups', values['sync-groups'], quick ? 10 : 1_000),
    connections: positiveInt('connections', values.connections, 32),
    pipelining: positiveInt('pipelining', values.pipelining, 1),
    patchConnections: positiveInt('patch-connections', values['patch-connections'], 8),
    durationMs: seconds('duration', values.duration, quick ? 2 : 5),
    warmupMs: seconds('warmup', values.warmup, quick ? 0.5 : 1),
    createMeasured: positiveInt('create-measured', values['create-measured'], quick ? 2_000 : 20_000),
    largeGroup: positiveInt('large-group', values['large-group'], quick ? 1_000 : 10_000),
    patches: positiveInt('patches', values.patches, quick ? 40 : 400),
    seed: positiveInt('seed', values.seed, 1),
    json: values.json,
    only: only as WorkloadName[],
    keep: values.keep === true,
    pin: values['no-pin'] !== true,
    check: values.check === true,
    help: values.help === true,
  }
  if (options.largeGroup % 100 !== 0) {
    const got = options.largeGroup
    throw new TypeError(`--large-group: expected a multiple of 100 (groups fill 100 at a time), got ${got}`)
  }
  if (options.createMeasured > options.users) options.createMeasured = options.users
  if (options.scale && options.users <= SCALE_BASE_USERS) {
    throw new TypeError(`--scale: expected --users above ${SCALE_BASE_USERS}, got ${options.users}`)
  }
  if (options.only.includes('sync') && options.syncUsers < 100) {
    throw new TypeError(`--sync-users: expected at least 100 (one group's members), got ${options.syncUsers}`)
  }
  return options
}

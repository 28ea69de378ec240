/**
 * `roster serve` and the CLI as a whole when things are wrong: one clear message and a
 * non-zero exit, never a hang, a Node stack trace or a Node-internal message.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BIN, cliEnv, ROOT, runCli } from './helpers/cli-process.js'

const dir = mkdtempSync(join(tmpdir(), 'roster-serve-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** What no message to a user may contain: a stack frame, or Node's words for a system call. */
function assertNoNodeInternals(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, 'no stack trace')
  assert.doesNotMatch(stderr, /node:internal|EADDRINUSE|ERR_[A-Z_]+|Node\.js v\d/, 'no Node-internal message')
}

/** Runs `serve` to its end, or kills it after `limitMs` (a hang fails the test, not the suite). */
function serveUntilExit(args: string[], env: Record<string, string> = {}, limitMs = 30_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }>((resolve) => {
    const child = spawn(BIN, ['serve', ...args], { env: cliEnv({ ROSTER_LOG_LEVEL: 'warn', ...env }) })
    let stdout = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      killed = true
      // The whole group would be cleaner, but the workers die with their primary's IPC channel.
      child.kill('SIGKILL')
    }, limitMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, killed })
    })
  })
}

describe('serve: a port in use', () => {
  let taken: Server
  let port: number
  before(async () => {
    taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    port = (taken.address() as { port: number }).port
  })
  after(() => new Promise<void>((resolve) => taken.close(() => resolve())))

  for (const workers of [[], ['--workers', '2']]) {
    test(`serve ${workers.join(' ') || '(one process)'}: exits 1 with one message naming the port`, async () => {
      const database = `sqlite:${join(dir, `in-use-${workers.length}.db`)}`
      const r = await serveUntilExit(['--port', String(port), '--database', database, ...workers])
      assert.equal(r.killed, false, `serve did not exit: ${r.stderr}`)
      assert.equal(r.code, 1, r.stderr)
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, `one message, got: ${r.stderr}`)
      assert.match(lines[0]!, new RegExp(`^roster: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`))
      assert.match(lines[0]!, /--port or ROSTER_PORT/)
      assertNoNodeInternals(r.stderr)
      assert.doesNotMatch(r.stdout, /listening/)
    })
  }
})

describe('settings and arguments', () => {
  const database = `sqlite:${join(dir, 'settings.db')}`

  for (const [env, message] of [
    [{ ROSTER_PORT: '99999' }, /^roster: ROSTER_PORT must be a port number from 0 to 65535, got '99999'$/],
    [{ ROSTER_PORT: 'http' }, /^roster: ROSTER_PORT must be a whole number, got 'http'$/],
    [{ ROSTER_PUBLIC_URL: 'scim.example.com' }, /^roster: ROSTER_PUBLIC_URL must be an absolute http\(s\) URL/],
    [{ ROSTER_TRUST_PROXY: 'yes' }, /^roster: ROSTER_TRUST_PROXY must be true or false/],
    [{ ROSTER_LOG_LEVEL: 'loud' }, /^roster: ROSTER_LOG_LEVEL must be one of/],
    [{ ROSTER_DATABASE_URL: 'mysql://db/roster' }, /^roster: unsupported database URL scheme 'mysql:'/],
  ] as const) {
    test(`serve with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join()}: exit 2, one line`, async () => {
      const r = await serveUntilExit(['--port', '0', ...(env.ROSTER_DATABASE_URL ? [] : ['--database', database])], env)
      assert.equal(r.killed, false)
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr.trimEnd(), message)
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr)
      assertNoNodeInternals(r.stderr)
    })
  }

  test('--port and --workers out of range are usage errors', () => {
    for (const args of [['--port', '65536'], ['--port', '-1'], ['--port', '80.5'], ['--workers', '0']]) {
      const r = runCli(['serve', ...args, '--database', database])
      assert.equal(r.code, 2, args.join(' '))
      assertNoNodeInternals(r.stderr)
    }
  })

  test("unknown options and missing values are named, without parseArgs' advice", () => {
    const unknown = runCli(['org', 'list', '--nope'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /^roster: unknown option '--nope'\n/)
    assert.doesNotMatch(unknown.stderr, /positional argument/)
    const missing = runCli(['serve', '--port'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /^roster: option '--port' needs a value\n/)
    const flag = runCli(['org', 'list', '--help=yes'])
    assert.equal(flag.code, 2)
    assert.match(flag.stderr, /^roster: option '--help' takes no value\n/)
  })
})

describe('help and version', () => {
  test('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    const r = runCli(['--version'])
    assert.equal(r.code, 0)
    assert.equal(r.stdout, `roster ${version}\n`)
  })

  test('--help states the exit codes, the same for every command', () => {
    const r = runCli(['--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /Exit status, for every command:\n\s+0 {2}done\n\s+1 {2}the command failed.*\n\s+2 {2}usage error/)
    for (const args of [['frobnicate'], ['org', 'frobnicate'], ['token', 'create'], ['migrate', 'extra'], ['backup']]) {
      assert.equal(runCli(args).code, 2, args.join(' '))
    }
  })
})

test('bin/roster without dist/: one line that says to build, no stack trace', () => {
  const copy = join(dir, 'checkout')
  mkdirSync(join(copy, 'bin'), { recursive: true })
  copyFileSync(BIN, join(copy, 'bin', 'roster'))
  const r = runCli(['org', 'list'], { bin: join(copy, 'bin', 'roster'), cwd: copy })
  assert.equal(r.code, 1)
  assert.equal(r.stderr, "roster: the compiled program (dist/) is missing or incomplete: run 'npm run build' in the Roster directory\n")
  assertNoNodeInternals(r.stderr)
})

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BIN as bin, cliEnv, runCli } from './helpers/cli-process.js'

const dir = mkdtempSync(join(tmpdir(), 'roster-cli-'))
const database = `sqlite:${join(dir, 'roster.db')}`

const roster = (...args: string[]) => runCli(args, { env: { ROSTER_DATABASE_URL: database } })

describe('bin/roster', () => {
  before(() => assert.equal(roster('migrate').code, 0))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('--help everywhere', () => {
    for (const args of [['--help'], ['serve', '--help'], ['org', '--help'], ['enterprise', '--help'], ['token', '--help'], ['migrate', '--help']]) {
      const r = roster(...args)
      assert.equal(r.code, 0, args.join(' '))
      assert.match(r.stdout, /Usage: roster/)
    }
  })

  test('org create prints the SCIM base path; a duplicate slug fails', () => {
    const r = roster('org', 'create', 'acme')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /\/scim\/v2\/organizations\/acme/)
    const again = roster('org', 'create', 'acme')
    assert.equal(again.code, 1)
    assert.match(again.stderr, /organization 'acme' already exists/)
    const e = roster('enterprise', 'create', 'acme')
    assert.equal(e.code, 0, 'the same slug may name an enterprise')
    assert.match(e.stdout, /\/scim\/v2\/enterprises\/acme/)
    assert.match(roster('org', 'list').stdout, /acme/)
  })

  test('bad arguments: non-zero exit and a clear message', () => {
    assert.equal(roster('frobnicate').code, 2)
    assert.equal(roster('org', 'create').code, 2)
    const bad = roster('org', 'create', 'Not A Slug!')
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /not a valid slug/)
    assert.equal(roster('token', 'create').code, 2)
    assert.equal(roster('token', 'create', '--org', 'a', '--instance').code, 2)
    const unknown = roster('token', 'create', '--org', 'nobody')
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no organization 'nobody'/)
    assert.equal(roster('serve', '--port', 'eighty').code, 2)
    assert.equal(roster('token', 'revoke', 'no-such-id').code, 1)
  })

  test('token create prints the token alone on the last line; list shows it without the secret; revoke', () => {
    const r = roster('token', 'create', '--org', 'acme', '--name', 'entra', '--expires-in', '30')
    assert.equal(r.code, 0, r.stderr)
    const token = r.lines.at(-1)!
    assert.match(token, /^roster_[A-Za-z0-9_-]{43}$/)
    const list = roster('token', 'list', '--org', 'acme')
    assert.match(list.stdout, /entra/)
    assert.ok(!list.stdout.includes(token))
    const id = /Created token '([^']+)'/.exec(r.stdout)![1]!
    assert.equal(roster('token', 'revoke', id).code, 0)
    assert.match(roster('token', 'list').stdout, new RegExp(`${id}.*\\d{4}-\\d\\d-\\d\\dT.*\\d{4}-\\d\\d-\\d\\dT`))
    assert.equal(roster('token', 'create', '--instance').code, 0)
  })

  test('serve: listens, answers /healthz and SCIM with a CLI-made token', async () => {
    const token = roster('token', 'create', '--org', 'acme').lines.at(-1)!
    const child = spawn(bin, ['serve', '--port', '0', '--database', database], { env: cliEnv({ ROSTER_LOG_LEVEL: 'warn' }) })
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /listening on (http:\/\/\S+)/.exec(out)
          if (m?.[1]) resolve(m[1])
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)))
        setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 10_000).unref()
      })
      assert.equal((await fetch(`${address}/healthz`)).status, 200)
      const res = await fetch(`${address}/scim/v2/organizations/acme/Users`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(res.status, 200)
      assert.equal(((await res.json()) as { totalResults: number }).totalResults, 0)
    } finally {
      child.kill('SIGTERM')
    }
  })
})

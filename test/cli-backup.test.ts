/**
 * `roster backup <file>`: a consistent copy of a SQLite database taken while a server writes
 * to it; refusals for PostgreSQL (pg_dump's job), an existing file and a missing database.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { BIN, cliEnv, runCli } from './helpers/cli-process.js'
import { startServer } from './helpers/server-process.js'

const dir = mkdtempSync(join(tmpdir(), 'roster-backup-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

describe('backup (sqlite)', () => {
  const path = join(dir, 'live.db')
  const database = `sqlite:${path}`

  test('a copy taken while a server creates users is whole: every count matches its rows', async () => {
    assert.equal(runCli(['migrate', '--database', database]).code, 0)
    assert.equal(runCli(['org', 'create', 'acme', '--database', database]).code, 0)
    const token = runCli(['token', 'create', '--org', 'acme', '--database', database]).lines.at(-1)!
    const server = await startServer(['--database', database])
    let created = 0
    let writing = true
    const create = async () => {
      const res = await fetch(`${server.address}/scim/v2/organizations/acme/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [USER_SCHEMA], userName: `user-${created}-${Math.random()}@example.com` }),
      })
      assert.equal(res.status, 201, await res.text())
      created++
    }
    // Four writers, each creating users one after another until the backup is done.
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) await create()
    })
    try {
      while (created < 50) await new Promise((r) => setTimeout(r, 10))
      const before = created
      const copy = join(dir, 'copy.db')
      const r = await promisify(execFile)(BIN, ['backup', copy, '--database', database], { env: cliEnv() })
      const during = created
      writing = false
      await Promise.all(writers)
      assert.match(r.stdout, new RegExp(`^Backed up database 'sqlite:${path}' \\(schema version \\d+\\) to '${copy}' \\(\\d+ KiB\\)\\.\\n$`))
      assert.ok(during > before, 'users were created while the backup ran')

      assert.equal(existsSync(`${copy}-wal`), false, 'a single file, no WAL beside it')
      const db = new Database(copy, { readonly: true, fileMustExist: true })
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
        const rows = db.prepare(`SELECT count(*) FROM resources WHERE resource_type = 'User'`).pluck().get() as number
        const counted = db.prepare(`SELECT total FROM resource_counts WHERE resource_type = 'User'`).pluck().get() as number
        // One snapshot: the count kept beside the rows, written in the same transactions, agrees.
        assert.equal(counted, rows)
        assert.ok(rows >= before && rows <= created, `${before} <= ${rows} <= ${created}`)
      } finally {
        db.close()
      }
      const list = runCli(['org', 'list', '--database', `sqlite:${copy}`])
      assert.equal(list.code, 0, list.stderr)
      assert.match(list.stdout, /^acme\t/)
    } finally {
      writing = false
      await Promise.all(writers).catch(() => undefined)
      await server.stop()
    }
  })

  test('never replaces a file, needs an existing directory, and leaves nothing on failure', () => {
    const existing = join(dir, 'copy.db')
    const before = readFileSync(existing)
    const r = runCli(['backup', existing, '--database', database])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `roster: '${existing}' already exists; a backup never replaces a file: choose a new name\n`)
    assert.deepEqual(readFileSync(existing), before)
    const nowhere = join(dir, 'no-such-dir', 'copy.db')
    const missingDir = runCli(['backup', nowhere, '--database', database])
    assert.equal(missingDir.code, 1)
    assert.match(missingDir.stderr, /^roster: the directory '.*no-such-dir' does not exist\n$/)
  })

  test('a database that does not exist is refused and no backup file appears', () => {
    const target = join(dir, 'of-nothing.db')
    const r = runCli(['backup', target, '--database', `sqlite:${join(dir, 'nothing.db')}`])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^roster: no Roster database at '.*nothing\.db': the file '.*nothing\.db' does not exist\n$/)
    assert.equal(existsSync(target), false)
    assert.equal(existsSync(join(dir, 'nothing.db')), false)
  })
})

describe('backup refusals', () => {
  test('PostgreSQL: usage error pointing to pg_dump, without connecting', () => {
    const r = runCli(['backup', join(dir, 'pg.dump'), '--database', 'postgres://roster:secret@nohost.invalid:5432/roster'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^roster: backup copies SQLite databases; back up PostgreSQL with pg_dump: pg_dump --format=custom/)
    assert.doesNotMatch(r.stderr, /secret/)
  })

  test('sqlite::memory: and a missing file argument are usage errors', () => {
    assert.equal(runCli(['backup', join(dir, 'm.db'), '--database', 'sqlite::memory:']).code, 2)
    assert.equal(runCli(['backup']).code, 2)
    assert.equal(runCli(['backup', 'a.db', 'b.db']).code, 2)
  })
})

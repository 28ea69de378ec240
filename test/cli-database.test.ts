/**
 * Which database a command works on: only serve and migrate create or upgrade one; every other
 * command refuses a database that does not exist, is not Roster's, or has another schema
 * version, and says which database it looked at. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import { openStore } from '../src/store/open-store.js'
import { latestVersion as latestPostgres, migrate as migratePostgres, MIGRATIONS as POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js'
import { latestVersion as latestSqlite, migrate as migrateSqlite, MIGRATIONS as SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js'
import { runCli } from './helpers/cli-process.js'
import { testPostgres } from './helpers/test-postgres.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-db-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** The commands that work on data; none may create or migrate a database. */
const DATA_COMMANDS = [
  ['org', 'list'],
  ['enterprise', 'list'],
  ['token', 'list'],
  ['org', 'create', 'acme'],
  ['enterprise', 'create', 'acme'],
  ['token', 'create', '--instance'],
  ['token', 'revoke', '00000000-0000-0000-0000-000000000000'],
]

interface Kind {
  readonly name: string
  readonly latest: number
  /** A database nobody has touched, how to run SQL on it, and how to build its schema up to a version (once). */
  create(): Promise<{
    url: string
    sql: (text: string) => Promise<unknown[]>
    migrateTo: (version: number) => Promise<void>
    drop: () => Promise<void>
  }>
}

let files = 0
const KINDS: Kind[] = [
  {
    name: 'sqlite',
    latest: latestSqlite(),
    async create() {
      const path = join(dir, `db-${++files}`, 'roster.db')
      const withDb = <T>(fn: (db: Database.Database) => T): T => {
        const db = new Database(path)
        try {
          return fn(db)
        } finally {
          db.close()
        }
      }
      return {
        url: `sqlite:${path}`,
        sql: async (text) => withDb((db) => (/^\s*select/i.test(text) ? db.prepare(text).all() : (db.exec(text), []))),
        migrateTo: async (version) => {
          mkdirSync(join(path, '..'), { recursive: true })
          withDb((db) => migrateSqlite(db, SQLITE_MIGRATIONS.filter((m) => m.version <= version)))
        },
        drop: async () => undefined,
      }
    },
  },
  ...(postgres.available
    ? [
        {
          name: 'postgres',
          latest: latestPostgres(),
          async create() {
            const scratch = await postgres.postgres.scratchSchema()
            const pool = new pg.Pool({ connectionString: scratch.url, max: 1 })
            return {
              url: scratch.url,
              sql: async (text: string) => (await pool.query(text)).rows,
              migrateTo: async (version: number) => {
                await migratePostgres(pool, POSTGRES_MIGRATIONS.filter((m) => m.version <= version))
              },
              drop: async () => {
                await pool.end()
                await scratch.drop()
              },
            }
          },
        },
      ]
    : []),
]

for (const kind of KINDS) {
  describe(`database checks (${kind.name})`, () => {
    test('a database that does not exist: every data command refuses it, naming it, and creates nothing', async () => {
      const db = await kind.create()
      try {
        for (const args of DATA_COMMANDS) {
          const r = runCli([...args, '--database', db.url])
          assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`)
          assert.match(r.stderr, /^roster: no Roster database at '/, args.join(' '))
          assert.match(r.stderr, /To create it: bin\/roster migrate --database /, 'the hint runs as typed from the checkout')
          assert.equal(r.stdout, '')
        }
        if (kind.name === 'sqlite') {
          const path = db.url.slice('sqlite:'.length)
          assert.match(runCli(['org', 'list', '--database', db.url]).stderr, new RegExp(`the file '${path}' does not exist`))
          assert.equal(existsSync(join(path, '..')), false, 'not even the directory was created')
        } else {
          assert.match(runCli(['org', 'list', '--database', db.url]).stderr, /holds no Roster schema/)
          const tables = await db.sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
          assert.deepEqual(tables, [], 'no table was created')
        }
      } finally {
        await db.drop()
      }
    })

    test('migrate says what it did: created, already at, migrated from N to M', async () => {
      const fresh = await kind.create()
      try {
        const created = runCli(['migrate', '--database', fresh.url])
        assert.equal(created.code, 0, created.stderr)
        assert.match(created.stdout, new RegExp(`^Created schema version ${kind.latest} in database '`))
        const again = runCli(['migrate', '--database', fresh.url])
        assert.match(again.stdout, new RegExp(`^Database '.*' is already at schema version ${kind.latest}\\.\\n$`))
        assert.equal(runCli(['org', 'list', '--database', fresh.url]).code, 0, 'a migrated database is read')
      } finally {
        await fresh.drop()
      }
      const older = await kind.create()
      try {
        await older.migrateTo(kind.latest - 1)
        const old = runCli(['org', 'list', '--database', older.url])
        assert.equal(old.code, 1)
        assert.match(
          old.stderr,
          new RegExp(`has schema version ${kind.latest - 1}, this Roster needs ${kind.latest}: run bin/roster migrate --database`),
        )
        const migrated = runCli(['migrate', '--database', older.url])
        assert.equal(migrated.code, 0, migrated.stderr)
        assert.match(migrated.stdout, new RegExp(`^Migrated database '.*' from schema version ${kind.latest - 1} to ${kind.latest}\\.\\n$`))
      } finally {
        await older.drop()
      }
    })

    test('a schema newer than this Roster is refused by every command, serve and migrate included', async () => {
      const db = await kind.create()
      try {
        assert.equal(runCli(['migrate', '--database', db.url]).code, 0)
        const future = kind.latest + 7
        await db.sql(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${future}, 'future', '2099-01-01T00:00:00.000Z')`)
        for (const args of [['org', 'list'], ['token', 'create', '--instance'], ['migrate'], ['serve', '--port', '0']]) {
          const r = runCli([...args, '--database', db.url])
          assert.equal(r.code, 1, args.join(' '))
          assert.match(r.stderr, new RegExp(`^roster: database schema version ${future} is newer than this Roster \\(which knows up to ${kind.latest}\\)`))
        }
      } finally {
        await db.drop()
      }
    })

    test('store: migrate() reports the version found and left; schemaVersion() reads without writing', async () => {
      const db = await kind.create()
      try {
        const store = await openStore(db.url)
        try {
          assert.equal(await store.schemaVersion(), undefined)
          assert.deepEqual(await store.migrate(), { from: 0, to: kind.latest })
          assert.equal(await store.schemaVersion(), kind.latest)
          assert.deepEqual(await store.migrate(), { from: kind.latest, to: kind.latest })
        } finally {
          await store.close()
        }
      } finally {
        await db.drop()
      }
    })
  })
}

describe('database checks (sqlite files that are not Roster databases)', () => {
  test("another application's SQLite file is refused and left as it was", () => {
    const path = join(dir, 'other-app.db')
    const other = new Database(path)
    other.exec('CREATE TABLE notes (body TEXT)')
    other.close()
    const before = readdirSync(dir).sort()
    const r = runCli(['org', 'list', '--database', `sqlite:${path}`])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.split('\n')[0], `roster: no Roster database at 'sqlite:${path}': '${path}' holds no Roster schema. To create it: bin/roster migrate --database sqlite:${path}`)
    assert.deepEqual(readdirSync(dir).sort(), before, 'no -wal or -shm file: the file was not switched to WAL')
    const check = new Database(path, { readonly: true })
    assert.equal(check.pragma('journal_mode', { simple: true }), 'delete')
    check.close()
  })

  test('a file that is not a database is named as such', () => {
    const path = join(dir, 'notes.txt')
    writeFileSync(path, 'not a database, but long enough to have a header that is checked. '.repeat(10))
    const r = runCli(['token', 'list', '--database', `sqlite:${path}`])
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`^roster: no Roster database at 'sqlite:${path}': '${path}' is not a SQLite database`))
  })

  test('a relative path is resolved from the working directory, and the message shows both', () => {
    const r = runCli(['org', 'list', '--database', 'sqlite:./dat/roster.db'], { cwd: dir })
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`^roster: no Roster database at 'sqlite:./dat/roster.db': the file '${join(dir, 'dat', 'roster.db')}' does not exist`))
    assert.equal(existsSync(join(dir, 'dat')), false)
  })

  test('sqlite::memory: is refused by data commands: it would be empty every time', () => {
    const r = runCli(['org', 'list', '--database', 'sqlite::memory:'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^roster: sqlite::memory: is a new, empty database every time/)
  })
})

describe('database URLs refused before connecting', () => {
  // The host does not exist: a refusal that needed a connection would say so instead.
  for (const url of ['postgres://roster:secret@nohost.invalid:5432', 'postgres://roster@nohost.invalid:5432/', 'postgresql://nohost.invalid']) {
    test(`${url.replace('secret', '***')}: names no database; usage error for every command`, () => {
      for (const args of [['migrate'], ['org', 'list'], ['serve', '--port', '0']]) {
        const r = runCli([...args, '--database', url])
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, /^roster: the PostgreSQL URL '.*' names no database; add it after the host/)
        assert.doesNotMatch(r.stderr, /secret/, 'the password is never shown')
      }
    })
  }

  test('an unknown scheme and a sqlite: URL without a file are usage errors', () => {
    assert.match(runCli(['migrate', '--database', 'mysql://x/y']).stderr, /^roster: unsupported database URL scheme 'mysql:'/)
    assert.equal(runCli(['migrate', '--database', 'sqlite:']).code, 2)
    assert.equal(runCli(['migrate', '--database', '']).code, 2)
  })
})

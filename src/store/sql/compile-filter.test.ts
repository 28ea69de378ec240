import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { isScimError } from '../../scim/errors.js'
import type { AttrPath, CompareOperator, CompareValue, Filter } from '../../scim/filter/ast.js'
import { evaluate } from '../../scim/filter/evaluate.js'
import { formatFilter } from '../../scim/filter/format-filter.js'
import { parseFilter } from '../../scim/filter/parse-filter.js'
import { parseAttrPath } from '../../scim/path/attr-path.js'
import { defaultRegistry } from '../../scim/schema/resource-types.js'
import type { NewResource, Store, StoredResource, TenantStore } from '../contract.js'
import { postgresDialect } from '../postgres/postgres-dialect.js'
import { testPostgres } from '../../../test/helpers/test-postgres.js'
import { SqliteDialect, sqliteDialect } from '../sqlite/sqlite-dialect.js'
import { SqliteStore } from '../sqlite/sqlite-store.js'
import { compileFilter } from './compile-filter.js'
import { compileSort } from './compile-sort.js'

const registry = defaultRegistry()
const USER = registry.require('User')
const GROUP = registry.require('Group')
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const E = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

const schemaOf = (type: 'User' | 'Group') => (type === 'User' ? USER : GROUP)

/** Whether the PostgreSQL parts run (the goldens need no server); the skip is reported elsewhere. */
const postgres = await testPostgres()

/** [resource type, filter, SQL, parameters]: what the SQLite dialect must produce, exactly. */
const GOLDEN: readonly [type: 'User' | 'Group', filter: string, sql: string, params: unknown[]][] = [
  ['User', 'userName eq "Bjensen"', 'r.user_name_fold = ?', ['bjensen']],
  ['User', 'userName ne "bjensen"', 'r.user_name_fold IS DISTINCT FROM ?', ['bjensen']],
  ['User', `userName eq "x' OR 1=1 --"`, 'r.user_name_fold = ?', ["x' or 1=1 --"]],
  ['User', `userName co "x' OR 1=1 --"`, 'r.user_name_fold GLOB ?', ["*x' or 1=1 --*"]],
  ['User', 'userName sw "a*b?[c]"', 'r.user_name_fold GLOB ?', ['a[*]b[?][[]c]*']],
  ['User', 'userName gt "M"', 'r.user_name_fold > ?', ['m']],
  ['User', 'externalId eq "AbC"', 'r.external_id = ?', ['AbC']],
  ['User', 'externalId co "%_\\\\"', 'r.external_id GLOB ?', ['*%_\\*']],
  ['User', 'id eq "2819c223"', 'r.id = ?', ['2819c223']],
  ['User', 'displayName ew "Smith"', 'r.display_name_fold GLOB ?', ['*smith']],
  ['User', 'active eq true', 'r.active = ?', [1]],
  ['User', 'active eq "False"', 'r.active = ?', [0]],
  ['User', 'active ne true', 'r.active IS DISTINCT FROM ?', [1]],
  ['User', 'meta.created gt "2024-01-01T01:00:00+01:00"', 'r.created > ?', ['2024-01-01T00:00:00.000Z']],
  [
    'User',
    'meta.lastModified le "2024-05-01T00:00:00Z"',
    'r.last_modified <= ?',
    ['2024-05-01T00:00:00.000Z'],
  ],
  ['User', 'meta.resourceType eq "User"', 'r.resource_type = ?', ['User']],
  ['User', 'meta.version eq "W/\\"3\\""', `('W/"' || r.version || '"') = ?`, ['W/"3"']],
  ['User', 'meta pr', 'TRUE', []],
  [
    'User',
    'name.familyName eq "Jensen"',
    `scim_fold(r.document ->> '$."name"."familyName"') = ?`,
    ['jensen'],
  ],
  ['User', 'title pr', `COALESCE(r.document ->> '$."title"', '') <> ''`, []],
  ['User', 'title eq null', `NOT (COALESCE(r.document ->> '$."title"', '') <> '')`, []],
  ['User', 'title ne null', `COALESCE(r.document ->> '$."title"', '') <> ''`, []],
  [
    'User',
    'name pr',
    `EXISTS (SELECT 1 FROM json_tree(r.document, '$."name"') AS t WHERE t.atom IS NOT NULL AND t.atom <> '')`,
    [],
  ],
  [
    'User',
    'emails eq "a@x.com"',
    `EXISTS (SELECT 1 FROM json_each(r.document, '$."emails"') AS e WHERE scim_fold(e.value ->> '$."value"') = ?)`,
    ['a@x.com'],
  ],
  [
    'User',
    'emails.primary eq true',
    `EXISTS (SELECT 1 FROM json_each(r.document, '$."emails"') AS e WHERE e.value ->> '$."primary"' = ?)`,
    [1],
  ],
  [
    'User',
    'emails[type eq "work" and value co "@example.com"]',
    `EXISTS (SELECT 1 FROM json_each(r.document, '$."emails"') AS e WHERE scim_fold(e.value ->> '$."type"') = ? ` +
      `AND scim_fold(e.value ->> '$."value"') GLOB ?)`,
    ['work', '*@example.com*'],
  ],
  [
    'User',
    'emails[not (type eq "work")]',
    `EXISTS (SELECT 1 FROM json_each(r.document, '$."emails"') AS e WHERE (scim_fold(e.value ->> '$."type"') = ?) IS NOT TRUE)`,
    ['work'],
  ],
  [
    'User',
    'emails ne "a@x.com"',
    `(NOT EXISTS (SELECT 1 FROM json_each(r.document, '$."emails"') AS e WHERE e.value ->> '$."value"' IS NOT NULL) ` +
      `OR EXISTS (SELECT 1 FROM json_each(r.document, '$."emails"') AS e WHERE scim_fold(e.value ->> '$."value"') <> ?))`,
    ['a@x.com'],
  ],
  [
    'User',
    'emails.value pr',
    `EXISTS (SELECT 1 FROM json_each(r.document, '$."emails"') AS e WHERE COALESCE(e.value ->> '$."value"', '') <> '')`,
    [],
  ],
  [
    'User',
    `schemas eq "${E}"`,
    `EXISTS (SELECT 1 FROM json_each(r.document, '$."schemas"') AS e WHERE scim_fold(e.value) = ?)`,
    [E.toLowerCase()],
  ],
  [
    'User',
    `${E}:employeeNumber eq "701984"`,
    `scim_fold(r.document ->> '$."${E}"."employeeNumber"') = ?`,
    ['701984'],
  ],
  // manager.value is caseExact (RFC 7643 §4.3): no folding.
  [
    'User',
    `${E}:manager.value eq "26118915-6090-4610-87E4"`,
    `r.document ->> '$."${E}"."manager"."value"' = ?`,
    ['26118915-6090-4610-87E4'],
  ],
  [
    'User',
    'groups eq "G1"',
    `EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User' ` +
      'AND (scim_fold(m.group_id) = ?))',
    ['g1'],
  ],
  [
    'User',
    'groups.display co "adm"',
    'EXISTS (SELECT 1 FROM memberships m LEFT JOIN resources g ON g.tenant_id = m.tenant_id AND g.resource_type = ' +
      `'Group' AND g.id = m.group_id WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User' ` +
      'AND (g.display_name_fold GLOB ?))',
    ['*adm*'],
  ],
  [
    'User',
    'groups pr',
    `EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User')`,
    [],
  ],
  [
    'User',
    'userName eq "a" or userName eq "b" and active eq true',
    'r.user_name_fold = ? OR (r.user_name_fold = ? AND r.active = ?)',
    ['a', 'b', 1],
  ],
  [
    'User',
    '(userName eq "a" or userName eq "b") and active eq true',
    '(r.user_name_fold = ? OR r.user_name_fold = ?) AND r.active = ?',
    ['a', 'b', 1],
  ],
  [
    'User',
    'not (userName eq "a" or title pr)',
    `(r.user_name_fold = ? OR COALESCE(r.document ->> '$."title"', '') <> '') IS NOT TRUE`,
    ['a'],
  ],
  ['Group', 'displayName eq "Admins"', 'r.display_name_fold = ?', ['admins']],
  [
    'Group',
    'members eq "u1"',
    'EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id AND (m.member_id = ?))',
    ['u1'],
  ],
  [
    'Group',
    'members[type eq "User" and display sw "b"]',
    'EXISTS (SELECT 1 FROM memberships m LEFT JOIN resources u ON u.tenant_id = m.tenant_id AND u.resource_type = m.member_type ' +
      'AND u.id = m.member_id WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id AND (scim_fold(m.member_type) = ? ' +
      'AND COALESCE(u.display_name_fold, u.user_name_fold) GLOB ?))',
    ['user', 'b*'],
  ],
]

describe('compileFilter: golden SQL (sqlite)', () => {
  for (const [type, filter, sql, params] of GOLDEN) {
    test(`${type}: ${filter}`, () => {
      assert.deepEqual(compileFilter(parseFilter(filter), schemaOf(type), sqliteDialect), { sql, params })
    })
  }

  test('parameters are appended after the ones the statement already has', () => {
    const params: unknown[] = ['tenant']
    const compiled = compileFilter(
      parseFilter('userName eq "a" and title co "b"'),
      USER,
      sqliteDialect,
      params,
    )
    assert.equal(compiled.params, params)
    assert.deepEqual(params, ['tenant', 'a', '*b*'])
  })

  test('hand-built trees compile the same as parsed ones', () => {
    const filter: Filter = {
      kind: 'not',
      filter: {
        kind: 'compare',
        op: 'co',
        path: { name: 'userName' },
        value: "'; DROP TABLE resources; --",
        position: 5,
      },
    }
    assert.deepEqual(compileFilter(filter, USER, sqliteDialect), {
      sql: '(r.user_name_fold GLOB ?) IS NOT TRUE',
      params: ["*'; drop table resources; --*"],
    })
  })
})

describe('compileFilter: single comparisons compiled before', () => {
  const shapes = [
    'userName eq', 'userName ne', 'USERNAME co', 'userName sw', 'externalId eq', 'externalId gt', 'id eq',
    'displayName ew', 'title le', 'meta.version eq', 'meta.resourceType eq', 'name.familyName eq',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq', 'emails eq',
    'emails.value co', 'meta.created gt', 'active eq', 'password eq', 'meta.location eq', 'x509Certificates.value gt',
    'name eq', 'nosuch eq',
  ]
  const values = ['Bjensen@Example.COM', '', 'a*b?[c]%_\\', 'Å', '2011-05-13T04:42:34Z', 'true']
  /** The compiled SQL, or the error, of a filter on a schema no filter was compiled for yet. */
  const fresh = (text: string, dialect: SqliteDialect | typeof postgresDialect) => outcome(() =>
    compileFilter(parseFilter(text), defaultRegistry().require('User'), dialect, ['tenant']),
  )
  const warm = (text: string, dialect: SqliteDialect | typeof postgresDialect) => outcome(() =>
    compileFilter(parseFilter(text), USER, dialect, ['tenant']),
  )
  const outcome = (compile: () => unknown): unknown => {
    try {
      return compile()
    } catch (e) {
      if (!isScimError(e)) throw e
      return `${e.status} ${e.scimType}: ${e.detail}`
    }
  }

  test('compile exactly as the first of their shape did, whatever the value', () => {
    for (const dialect of [sqliteDialect, postgresDialect]) {
      for (const shape of shapes) {
        for (const value of values) {
          const text = `${shape} ${JSON.stringify(value)}`
          assert.deepEqual(warm(text, dialect), fresh(text, dialect), `${dialect.name}: ${text}`)
        }
      }
    }
  })

  test('a value of another type is checked again', () => {
    compileFilter(parseFilter('userName eq "x"'), USER, sqliteDialect)
    assert.equal(warm('userName eq 1', sqliteDialect), fresh('userName eq 1', sqliteDialect))
    assert.match(String(warm('userName eq 1', sqliteDialect)), /^400 invalidFilter/)
  })
})

/**
 * [filter, SQL, parameters]: what the PostgreSQL dialect must produce for each filter of GOLDEN.
 * Case-insensitive JSON values fold with ICU's `lower()` after NFC; compared and sorted text is
 * in the "C" collation (code point order, as on SQLite); `LIKE` is case-sensitive, so it
 * serves `co`/`sw`/`ew` with `%`, `_` and `\` escaped.
 */
const POSTGRES_GOLDEN: readonly [filter: string, sql: string, params: unknown[]][] = [
  ['userName eq "Bjensen"', 'r.user_name_fold = $1', ['bjensen']],
  ['userName ne "bjensen"', 'r.user_name_fold IS DISTINCT FROM $1', ['bjensen']],
  [`userName eq "x' OR 1=1 --"`, 'r.user_name_fold = $1', ["x' or 1=1 --"]],
  [`userName co "x' OR 1=1 --"`, `r.user_name_fold LIKE $1 ESCAPE '\\'`, ["%x' or 1=1 --%"]],
  ['userName sw "a*b?[c]"', `r.user_name_fold LIKE $1 ESCAPE '\\'`, ['a*b?[c]%']],
  ['userName gt "M"', 'r.user_name_fold > $1', ['m']],
  ['externalId eq "AbC"', 'r.external_id = $1', ['AbC']],
  ['externalId co "%_\\\\"', `r.external_id LIKE $1 ESCAPE '\\'`, ['%\\%\\_\\\\%']],
  ['id eq "2819c223"', 'r.id = $1', ['2819c223']],
  ['displayName ew "Smith"', `r.display_name_fold LIKE $1 ESCAPE '\\'`, ['%smith']],
  ['active eq true', 'r.active = $1', [true]],
  ['active eq "False"', 'r.active = $1', [false]],
  ['active ne true', 'r.active IS DISTINCT FROM $1', [true]],
  ['meta.created gt "2024-01-01T01:00:00+01:00"', 'r.created > $1', ['2024-01-01T00:00:00.000Z']],
  ['meta.lastModified le "2024-05-01T00:00:00Z"', 'r.last_modified <= $1', ['2024-05-01T00:00:00.000Z']],
  ['meta.resourceType eq "User"', 'r.resource_type = $1', ['User']],
  ['meta.version eq "W/\\"3\\""', `('W/"' || r.version || '"') = $1`, ['W/"3"']],
  ['meta pr', 'TRUE', []],
  [
    'name.familyName eq "Jensen"',
    `lower(normalize((r.document -> 'name' ->> 'familyName') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" = $1`,
    ['jensen'],
  ],
  ['title pr', `COALESCE(r.document ->> 'title', '') <> ''`, []],
  ['title eq null', `NOT (COALESCE(r.document ->> 'title', '') <> '')`, []],
  ['title ne null', `COALESCE(r.document ->> 'title', '') <> ''`, []],
  [
    'name pr',
    `jsonb_path_exists((r.document -> 'name')::jsonb, ` +
      `'strict $.** ? (@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean")')`,
    [],
  ],
  [
    'emails eq "a@x.com"',
    `EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
      `WHERE lower(normalize((e.value ->> 'value') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" = $1)`,
    ['a@x.com'],
  ],
  [
    'emails.primary eq true',
    `EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
      `WHERE (e.value ->> 'primary')::boolean = $1)`,
    [true],
  ],
  [
    'emails[type eq "work" and value co "@example.com"]',
    `EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
      `WHERE lower(normalize((e.value ->> 'type') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" = $1 ` +
      `AND lower(normalize((e.value ->> 'value') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" LIKE $2 ESCAPE '\\')`,
    ['work', '%@example.com%'],
  ],
  [
    'emails[not (type eq "work")]',
    `EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
      `WHERE (lower(normalize((e.value ->> 'type') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" = $1) IS NOT TRUE)`,
    ['work'],
  ],
  [
    'emails ne "a@x.com"',
    `(NOT EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
      `WHERE (e.value ->> 'value') COLLATE "C" IS NOT NULL) ` +
      `OR EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
      `WHERE lower(normalize((e.value ->> 'value') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" <> $1))`,
    ['a@x.com'],
  ],
  [
    'emails.value pr',
    `EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
      `WHERE COALESCE(e.value ->> 'value', '') <> '')`,
    [],
  ],
  [
    `schemas eq "${E}"`,
    `EXISTS (SELECT 1 FROM json_array_elements(r.document -> 'schemas') WITH ORDINALITY AS e(value, n) ` +
      `WHERE lower(normalize((e.value #>> '{}') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" = $1)`,
    [E.toLowerCase()],
  ],
  [
    `${E}:employeeNumber eq "701984"`,
    `lower(normalize((r.document -> '${E}' ->> 'employeeNumber') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" = $1`,
    ['701984'],
  ],
  // manager.value is caseExact (RFC 7643 §4.3): no folding.
  [
    `${E}:manager.value eq "26118915-6090-4610-87E4"`,
    `(r.document -> '${E}' -> 'manager' ->> 'value') COLLATE "C" = $1`,
    ['26118915-6090-4610-87E4'],
  ],
  [
    'groups eq "G1"',
    `EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User' ` +
      `AND (lower(normalize(m.group_id, NFC) COLLATE "und-x-icu") COLLATE "C" = $1))`,
    ['g1'],
  ],
  [
    'groups.display co "adm"',
    'EXISTS (SELECT 1 FROM memberships m LEFT JOIN resources g ON g.tenant_id = m.tenant_id AND g.resource_type = ' +
      `'Group' AND g.id = m.group_id WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User' ` +
      `AND (g.display_name_fold LIKE $1 ESCAPE '\\'))`,
    ['%adm%'],
  ],
  [
    'groups pr',
    `EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id AND m.member_type = 'User')`,
    [],
  ],
  [
    'userName eq "a" or userName eq "b" and active eq true',
    'r.user_name_fold = $1 OR (r.user_name_fold = $2 AND r.active = $3)',
    ['a', 'b', true],
  ],
  [
    '(userName eq "a" or userName eq "b") and active eq true',
    '(r.user_name_fold = $1 OR r.user_name_fold = $2) AND r.active = $3',
    ['a', 'b', true],
  ],
  [
    'not (userName eq "a" or title pr)',
    `(r.user_name_fold = $1 OR COALESCE(r.document ->> 'title', '') <> '') IS NOT TRUE`,
    ['a'],
  ],
  ['displayName eq "Admins"', 'r.display_name_fold = $1', ['admins']],
  [
    'members eq "u1"',
    'EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id AND (m.member_id = $1))',
    ['u1'],
  ],
  [
    'members[type eq "User" and display sw "b"]',
    'EXISTS (SELECT 1 FROM memberships m LEFT JOIN resources u ON u.tenant_id = m.tenant_id AND u.resource_type = m.member_type ' +
      'AND u.id = m.member_id WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id AND ' +
      `(lower(normalize(m.member_type, NFC) COLLATE "und-x-icu") COLLATE "C" = $1 ` +
      `AND COALESCE(u.display_name_fold, u.user_name_fold) LIKE $2 ESCAPE '\\'))`,
    ['user', 'b%'],
  ],
]

describe('compileFilter: golden SQL (postgres)', () => {
  const goldens = new Map(POSTGRES_GOLDEN.map(([filter, sql, params]) => [filter, { sql, params }]))

  test('every filter of the SQLite goldens has its PostgreSQL golden', () => {
    assert.deepEqual(
      GOLDEN.map(([, filter]) => filter),
      POSTGRES_GOLDEN.map(([filter]) => filter),
    )
  })

  for (const [type, filter] of GOLDEN) {
    test(`${type}: ${filter}`, () => {
      assert.deepEqual(compileFilter(parseFilter(filter), schemaOf(type), postgresDialect), goldens.get(filter))
    })
  }

  test('placeholders continue after the parameters the statement already has', () => {
    const params: unknown[] = ['tenant']
    const compiled = compileFilter(parseFilter('userName eq "a" and title co "b"'), USER, postgresDialect, params)
    assert.equal(compiled.params, params)
    assert.deepEqual(params, ['tenant', 'a', '%b%'])
    assert.equal(
      compiled.sql,
      `r.user_name_fold = $2 AND lower(normalize((r.document ->> 'title') COLLATE "C", NFC) COLLATE "und-x-icu") ` +
        `COLLATE "C" LIKE $3 ESCAPE '\\'`,
    )
  })

  test('a value holding U+0000 (which PostgreSQL text cannot hold) is 400 invalidFilter', () => {
    const filter: Filter = { kind: 'compare', op: 'eq', path: { name: 'userName' }, value: 'a\u0000', position: 0 }
    assert.throws(
      () => compileFilter(filter, USER, postgresDialect),
      (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === 'invalidFilter',
    )
  })
})

describe('SqlDialect defaults (standard SQL)', () => {
  /** SQLite with standard LIKE semantics, to run the default pattern matching for real. */
  class CaseSensitiveLike extends SqliteDialect {
    override readonly capabilities = { caseSensitiveLike: true, groupsInPage: false, sharedSnapshot: true, serialWriters: true, writesInWith: false }
  }

  test('co/sw/ew use LIKE with %, _ and the escape character escaped', () => {
    const dialect = new CaseSensitiveLike()
    const compiled = compileFilter(parseFilter('externalId co "50%_\\\\x"'), USER, dialect)
    assert.deepEqual(compiled, { sql: "r.external_id LIKE ? ESCAPE '\\'", params: ['%50\\%\\_\\\\x%'] })
    const db = new Database(':memory:')
    db.pragma('case_sensitive_like = ON')
    const like = db.prepare("SELECT ? LIKE ? ESCAPE '\\' AS hit").pluck()
    const pattern = compiled.params[0]
    assert.equal(like.get('a 50%_\\x b', pattern), 1)
    assert.equal(like.get('a 50ab\\x b', pattern), 0)
    assert.equal(like.get('a 50%_\\X b', pattern), 0)
    db.close()
  })

  if (postgres.available) {
    test('postgres: the same pattern, on PostgreSQL, whose LIKE is case-sensitive', async () => {
      const compiled = compileFilter(parseFilter('externalId co "50%_\\\\x"'), USER, postgresDialect)
      assert.deepEqual(compiled, { sql: "r.external_id LIKE $1 ESCAPE '\\'", params: ['%50\\%\\_\\\\x%'] })
      const store = await postgres.postgres.openStore()
      const like = async (text: string) =>
        (await store.pool.query("SELECT $1::text LIKE $2 ESCAPE '\\' AS hit", [text, compiled.params[0]])).rows[0].hit
      assert.equal(await like('a 50%_\\x b'), true)
      assert.equal(await like('a 50ab\\x b'), false)
      assert.equal(await like('a 50%_\\X b'), false)
      await store.close()
    })
  }
})

describe('compileFilter: rejected filters are 400 invalidFilter', () => {
  const rejected: [string, string][] = [
    ['User', 'nickname2 eq "x"'],
    ['User', 'password eq "secret"'],
    ['User', 'meta.location eq "https://example.com/Users/1"'],
    ['User', 'groups.$ref eq "x"'],
    ['User', 'userName gt true'],
    ['User', 'active gt true'],
    ['User', 'meta.created co "2024"'],
    ['User', 'meta.created eq "yesterday"'],
    ['User', 'name eq "x"'],
    ['User', 'name[givenName eq "x"]'],
    ['Group', 'userName eq "x"'],
  ]
  for (const [type, filter] of rejected) {
    test(`${type}: ${filter}`, () => {
      assert.throws(
        () => compileFilter(parseFilter(filter), schemaOf(type as 'User' | 'Group'), sqliteDialect),
        (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === 'invalidFilter',
      )
    })
  }
})

describe('compileSort (sqlite)', () => {
  const sort = (path: string, order?: 'ascending' | 'descending') =>
    compileSort(parseAttrPath(path), order, USER, sqliteDialect)

  test('insertion order by default; a unique column alone; other values folded, nulls last ascending', () => {
    assert.equal(compileSort(undefined, undefined, USER, sqliteDialect), 'r.seq')
    assert.equal(sort('userName'), 'r.user_name_fold ASC')
    assert.equal(sort('userName', 'descending'), 'r.user_name_fold DESC')
    assert.equal(
      sort('name.familyName'),
      `scim_fold(r.document ->> '$."name"."familyName"') ASC NULLS LAST, r.seq`,
    )
    assert.equal(sort('meta.created', 'descending'), 'r.created DESC NULLS FIRST, r.seq')
    assert.equal(sort('externalId'), 'r.external_id ASC NULLS LAST, r.seq')
  })

  test('multi-valued attributes sort by the primary value, or else the first', () => {
    assert.equal(
      sort('emails'),
      `(SELECT scim_fold(e.value ->> '$."value"') FROM json_each(r.document, '$."emails"') AS e ` +
        `WHERE scim_fold(e.value ->> '$."value"') IS NOT NULL ORDER BY (e.value ->> '$."primary"') IS TRUE DESC, e.key LIMIT 1) ` +
        'ASC NULLS LAST, r.seq',
    )
  })

  test('what cannot be sorted is 400 invalidValue', () => {
    for (const path of ['nickname2', 'password', 'name', 'addresses', 'meta.location']) {
      assert.throws(
        () => sort(path),
        (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === 'invalidValue',
        path,
      )
    }
  })
})

describe('compileSort (postgres)', () => {
  const sort = (path: string, order?: 'ascending' | 'descending') =>
    compileSort(parseAttrPath(path), order, USER, postgresDialect)

  test('the same orders as on SQLite, folded with ICU and in the "C" collation', () => {
    assert.equal(compileSort(undefined, undefined, USER, postgresDialect), 'r.seq')
    assert.equal(sort('userName'), 'r.user_name_fold ASC')
    assert.equal(sort('userName', 'descending'), 'r.user_name_fold DESC')
    assert.equal(
      sort('name.familyName'),
      `lower(normalize((r.document -> 'name' ->> 'familyName') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C" ` +
        'ASC NULLS LAST, r.seq',
    )
    assert.equal(sort('meta.created', 'descending'), 'r.created DESC NULLS FIRST, r.seq')
    assert.equal(sort('externalId'), 'r.external_id ASC NULLS LAST, r.seq')
    const value = `lower(normalize((e.value ->> 'value') COLLATE "C", NFC) COLLATE "und-x-icu") COLLATE "C"`
    assert.equal(
      sort('emails'),
      `(SELECT ${value} FROM json_array_elements(r.document -> 'emails') WITH ORDINALITY AS e(value, n) ` +
        `WHERE ${value} IS NOT NULL ORDER BY ((e.value ->> 'primary')::boolean) IS TRUE DESC, e.n LIMIT 1) ` +
        'ASC NULLS LAST, r.seq',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Execution: the SQL runs on a real database and must select exactly what evaluate() selects.

const at = (day: number, ms = 0) => new Date(Date.UTC(2024, 0, day, 12, 0, 0, ms)).toISOString()

const core = (doc: Record<string, unknown>) => ({ schemas: [USER_URN], ...doc })
const enterprise = (doc: Record<string, unknown>, ext: Record<string, unknown>) => ({
  schemas: [USER_URN, E],
  ...doc,
  [E]: ext,
})

/** Users chosen for edge cases: case, non-ASCII, wildcard and quote characters, absent and empty values. */
const USERS: Record<string, Record<string, unknown>> = {
  u01: enterprise(
    {
      userName: 'bjensen',
      externalId: 'bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
      displayName: 'Babs Jensen',
      title: 'Tour Guide',
      active: true,
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
    },
    {
      employeeNumber: '701984',
      department: 'Tour Operations',
      manager: { value: 'u02', displayName: 'John Smith' },
    },
  ),
  u02: core({
    userName: 'jsmith',
    externalId: 'JSMITH',
    name: { familyName: 'Smith', givenName: 'John' },
    displayName: 'John Smith',
    active: true,
    emails: [{ value: 'John.Smith@Example.com', type: 'work' }],
  }),
  u03: core({
    userName: 'Åsa.Lindqvist',
    name: { familyName: 'Lindqvist', givenName: 'Åsa' },
    active: false,
    emails: [{ value: 'åsa@exämple.se', type: 'Work', primary: true }],
  }),
  u04: core({ userName: 'Straße', displayName: 'Jürgen Groß', title: 'ÉCOLE' }),
  u05: core({ userName: "x' OR 1=1 --", title: '%', active: true }),
  u06: core({ userName: 'under_score', title: '100% sure', active: false }),
  u07: core({ userName: 'star*name', title: 'a_b' }),
  u08: core({ userName: 'q?mark[1]', title: '[x]' }),
  u09: core({ userName: 'minimal' }),
  u10: core({ userName: 'empty-values', emails: [], title: '' }),
  u11: core({ userName: 'no-email-value', emails: [{ type: 'work' }], name: {} }),
  u12: core({
    userName: 'three-mails',
    emails: [
      { value: 'z@one.test', type: 'Work' },
      { value: 'a@two.test', type: 'HOME', primary: true },
      { value: 'm@three.test', type: 'other', display: 'Third' },
    ],
    active: true,
  }),
  u13: core({ userName: 'İpek', displayName: 'İPEK', active: true }),
  u14: core({ userName: 'zed', active: false, externalId: 'ext-14', nickName: 'Zed', locale: 'en-US' }),
  u15: core({
    userName: 'traveller',
    phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
    addresses: [
      { locality: 'Oslo', country: 'NO', type: 'work', primary: true },
      { locality: 'Bergen', type: 'home' },
    ],
  }),
  u16: core({ userName: 'emoji 😀', displayName: 'Smile 😀' }),
  u17: enterprise(
    { userName: 'bjensen2', emails: [{ value: 'BJENSEN@example.com', type: 'other' }], active: true },
    { employeeNumber: '701985', department: 'tour operations' },
  ),
  u18: core({ userName: 'guide', title: 'Tour guide', userType: 'Employee', displayName: 'guide' }),
}
for (let n = 19; n <= 32; n++) {
  const title = [undefined, 'Engineer', 'engineer', 'Manager'][n % 4]
  const active = [true, false, undefined][n % 3]
  USERS[`u${n}`] = enterprise(
    {
      userName: `user${n}`,
      ...(n % 2 === 0 && { externalId: `EXT-${n}` }),
      ...(title !== undefined && { title }),
      ...(active !== undefined && { active }),
      emails: [
        {
          value: `user${n}@${n % 3 === 0 ? 'example.com' : 'corp.test'}`,
          type: n % 2 ? 'work' : 'home',
          primary: n % 5 === 0,
        },
      ],
      name: { givenName: `Given${n % 7}`, familyName: `Family${n}` },
    },
    { employeeNumber: String(1000 + n), department: n % 2 ? 'Engineering' : 'Sales' },
  )
}

const GROUPS: Record<string, { displayName: string; members: string[] }> = {
  g1: { displayName: 'Admins', members: ['u01', 'u02', 'g2'] },
  g2: { displayName: 'Staff', members: ['u03', 'u09', 'u20'] },
  g3: { displayName: 'Tour Operations', members: ['u01', 'u17'] },
  g4: { displayName: 'Empty', members: [] },
  g5: { displayName: 'ÄRZTE', members: ['u03', 'u13', 'u16'] },
}

interface Fixture {
  store: Store
  ts: TenantStore
  /** What evaluate() sees: documents with `id`, `meta` and the derived attributes. */
  users: Record<string, unknown>[]
  groups: Record<string, unknown>[]
}

async function loadFixture(open: () => Promise<Store>): Promise<Fixture> {
  const store = await open()
  await store.migrate()
  const ts = store.forTenant(await store.createTenant('organization', 'oracle'))
  const noise = store.forTenant(await store.createTenant('organization', 'noise'))
  const resource = (
    id: string,
    i: number,
    type: 'User' | 'Group',
    document: Record<string, unknown>,
  ): NewResource => ({
    id,
    resourceType: type,
    created: at(1 + i, i * 7),
    lastModified: at(40 + i),
    document,
  })
  await ts.transaction(async (tx) => {
    let i = 0
    for (const [id, doc] of Object.entries(USERS)) await tx.insert(resource(id, i++, 'User', doc))
    for (const [id, g] of Object.entries(GROUPS))
      await tx.insert(resource(id, i++, 'Group', { schemas: [GROUP_URN], displayName: g.displayName }))
    for (const [id, g] of Object.entries(GROUPS)) {
      await tx.addMembers(
        id,
        g.members.map((m) => ({
          value: m,
          type: m.startsWith('g') ? ('Group' as const) : ('User' as const),
        })),
      )
    }
    // Versions above 1, for meta.version.
    for (const id of ['u01', 'u02', 'u02']) {
      const current = (await tx.get('User', id))!
      await tx.update(
        { id, resourceType: 'User', lastModified: at(90), document: current.document },
        current.version,
      )
    }
  })
  // Another tenant with look-alike data: none of it may show up.
  await noise.transaction(async (tx) => {
    await tx.insert(resource('u01', 0, 'User', core({ userName: 'bjensen', title: 'Tour Guide' })))
    await tx.insert(resource('g1', 1, 'Group', { schemas: [GROUP_URN], displayName: 'Admins' }))
    await tx.addMembers('g1', [{ value: 'u02', type: 'User' }])
  })
  const all = (type: 'User' | 'Group') =>
    ts.list(schemaOf(type), { startIndex: 1, count: 1000 }).then((r) => r.resources)
  const meta = (r: StoredResource) => ({
    resourceType: r.resourceType,
    created: r.created,
    lastModified: r.lastModified,
    version: `W/"${r.version}"`,
  })
  const userRows = await all('User')
  const groupsOf = await ts.groupsOf(userRows.map((r) => r.id))
  const users = userRows.map((r) => ({ ...r.document, id: r.id, meta: meta(r), groups: groupsOf.get(r.id) }))
  const groups: Record<string, unknown>[] = []
  for (const r of await all('Group'))
    groups.push({ ...r.document, id: r.id, meta: meta(r), members: await ts.members(r.id) })
  return { store, ts, users, groups }
}

async function sqlIds(f: Fixture, type: 'User' | 'Group', filter: Filter): Promise<string[]> {
  const result = await f.ts.list(schemaOf(type), { filter, startIndex: 1, count: 1000 })
  assert.equal(result.totalResults, result.resources.length)
  return result.resources.map((r) => r.id).sort()
}

function oracleIds(f: Fixture, type: 'User' | 'Group', filter: Filter): string[] {
  const docs = type === 'User' ? f.users : f.groups
  return docs
    .filter((d) => evaluate(filter, d, schemaOf(type)))
    .map((d) => d.id as string)
    .sort()
}

/** Filters run against the fixture, beyond the golden ones. */
const CORPUS: readonly ['User' | 'Group', string][] = [
  ['User', 'userName eq "BJENSEN"'],
  ['User', 'userName eq "åsa.lindqvist"'],
  ['User', 'userName eq "STRASSE"'],
  ['User', 'userName eq "straße"'],
  ['User', 'userName eq "i̇pek"'],
  ['User', 'userName sw "bjensen"'],
  ['User', 'userName co "%"'],
  ['User', 'userName co "_"'],
  ['User', 'userName co "*"'],
  ['User', 'userName co "?"'],
  ['User', 'userName co "["'],
  ['User', 'userName co "]"'],
  ['User', `userName eq "x' or 1=1 --"`],
  ['User', 'userName ew "😀"'],
  ['User', 'userName gt "t" and userName lt "user3"'],
  ['User', 'userName ge "ZED"'],
  ['User', 'title co "%"'],
  ['User', 'title eq "%"'],
  ['User', 'title sw "a_"'],
  ['User', 'title eq ""'],
  ['User', 'title ne "engineer"'],
  ['User', 'title eq null'],
  ['User', 'title eq "école"'],
  ['User', 'externalId eq "jsmith"'],
  ['User', 'externalId eq "JSMITH"'],
  ['User', 'externalId sw "EXT"'],
  ['User', 'externalId pr'],
  ['User', 'displayName eq "babs jensen"'],
  ['User', 'displayName co "😀"'],
  ['User', 'displayName eq "jürgen groß"'],
  ['User', 'active eq false'],
  ['User', 'active eq "TRUE"'],
  ['User', 'active pr'],
  ['User', 'not (active eq false)'],
  ['User', 'active eq null'],
  ['User', 'name.givenName eq "åsa"'],
  ['User', 'name.givenName sw "given1"'],
  ['User', 'name pr'],
  ['User', 'name.familyName pr'],
  ['User', 'emails pr'],
  ['User', 'emails co "example.com"'],
  ['User', 'emails ew "EXAMPLE.COM"'],
  ['User', 'emails.value co "ä"'],
  ['User', 'emails.type eq "work"'],
  ['User', 'emails.type ne "work"'],
  ['User', 'emails ne "bjensen@example.com"'],
  ['User', 'emails.value eq null'],
  ['User', 'emails.value ne null'],
  ['User', 'emails[type eq "work" and primary eq true]'],
  ['User', 'emails[type eq "work"] and emails[primary eq true]'],
  ['User', 'emails[type eq "home" or value sw "z"]'],
  ['User', 'emails[not (value pr)]'],
  ['User', 'emails[display pr]'],
  ['User', 'emails[type ne "work"]'],
  ['User', 'emails.primary eq false'],
  ['User', 'emails.value gt "m"'],
  ['User', 'addresses pr'],
  ['User', 'addresses[locality eq "oslo" and primary eq true]'],
  ['User', 'addresses.country eq "no"'],
  ['User', 'phoneNumbers co "555"'],
  ['User', 'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"'],
  ['User', `not (schemas eq "${E}")`],
  ['User', `${E}:department eq "tour operations"`],
  ['User', `${E}:employeeNumber ge "1025"`],
  ['User', `${E}:manager.value eq "u02"`],
  ['User', `${E}:manager.value eq "U02"`],
  ['User', `${E}:manager pr`],
  ['User', `${E}:manager eq "u02"`],
  ['User', `urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department sw "eng"`],
  ['User', 'groups eq "g1"'],
  ['User', 'groups eq "G3"'],
  ['User', 'groups.display eq "ärzte"'],
  ['User', 'groups.type eq "direct"'],
  ['User', 'groups pr'],
  ['User', 'not (groups pr)'],
  ['User', 'groups ne "g2"'],
  ['User', 'groups[display sw "a" and type eq "DIRECT"]'],
  ['User', 'groups[not (value eq "g5")]'],
  ['User', 'groups[value eq "g1" or value pr]'],
  ['User', 'id eq "u07"'],
  ['User', 'id pr'],
  ['User', 'meta.created eq "2024-01-01T12:00:00Z"'],
  ['User', 'meta.created gt "2024-01-10T13:00:00+02:00"'],
  ['User', 'meta.created ge "2024-01-03T12:00:00.014Z"'],
  ['User', 'meta.lastModified lt "2024-02-15T00:00:00Z"'],
  ['User', 'meta.version eq "W/\\"3\\""'],
  ['User', 'meta.version ne "W/\\"1\\""'],
  ['User', 'meta.resourceType eq "user"'],
  ['User', 'meta pr'],
  ['User', 'nickName pr or locale eq "EN-us"'],
  ['User', 'userType eq "employee" or title co "guide"'],
  ['User', 'not (title co "guide" or title pr) and active eq true'],
  ['User', 'not (not (userName sw "u"))'],
  ['Group', 'displayName eq "admins"'],
  ['Group', 'displayName eq "ärzte"'],
  ['Group', 'displayName co "O"'],
  ['Group', 'members pr'],
  ['Group', 'members eq "u01"'],
  ['Group', 'members eq "U01"'],
  ['Group', 'members.value eq "g2"'],
  ['Group', 'members.type eq "group"'],
  ['Group', 'members.display eq "BABS JENSEN"'],
  ['Group', 'members.display eq "minimal"'],
  ['Group', 'members.display co "😀"'],
  ['Group', 'members ne "u01"'],
  ['Group', 'members[type eq "User" and display sw "Å"]'],
  ['Group', 'members[type eq "User" or display sw "Å"]'],
  ['Group', 'not (members pr)'],
  ['Group', 'externalId pr'],
  ['Group', 'meta.created gt "2024-01-20T00:00:00Z"'],
]

/** The golden filters, the corpus and random filters, run on one store against evaluate(). */
function oracleSuite(name: string, open: () => Promise<Store>): void {
  describe(`compileFilter: the database selects what evaluate() selects (${name})`, () => {
    let f: Fixture
    before(async () => {
      f = await loadFixture(open)
    })
    after(async () => {
      await f.store.close()
    })

    for (const [type, text] of [...GOLDEN.map(([t, text]) => [t, text] as const), ...CORPUS]) {
      test(`${type}: ${text}`, async () => {
        const filter = parseFilter(text)
        assert.deepEqual(await sqlIds(f, type, filter), oracleIds(f, type, filter))
      })
    }

    test('hostile values select only what they literally say', async () => {
      const users = async (text: string) =>
        (await sqlIds(f, 'User', parseFilter(text))).map((id) => USERS[id]!.userName as string).sort()
      assert.deepEqual(await users(`userName eq "x' OR 1=1 --"`), ["x' OR 1=1 --"])
      assert.deepEqual(await users('userName co "_"'), ['under_score'])
      assert.deepEqual(await users('userName co "*"'), ['star*name'])
      assert.deepEqual(await users('userName co "?m"'), ['q?mark[1]'])
      assert.deepEqual(await users('userName co "[1]"'), ['q?mark[1]'])
      assert.deepEqual(
        await users('title co "%"'),
        ['100% sure', '%']
          .map((t) => Object.values(USERS).find((u) => u.title === t)!.userName as string)
          .sort(),
      )
    })

    test('folding is Unicode-aware and normalises to NFC', async () => {
      // Å written as A + combining ring above (not NFC) finds the precomposed Å; ẞ/ß and İ fold too.
      assert.deepEqual(await sqlIds(f, 'User', parseFilter('userName eq "A\u030asa.lindqvist"')), ['u03'])
      assert.deepEqual(await sqlIds(f, 'User', parseFilter('displayName eq "JÜRGEN GROSS"')), [])
      assert.deepEqual(await sqlIds(f, 'User', parseFilter('displayName eq "JÜRGEN GROß"')), ['u04'])
      assert.deepEqual(await sqlIds(f, 'Group', parseFilter('displayName eq "ärzte"')), ['g5'])
    })

    test('random filters: the database agrees with evaluate()', async () => {
      await fc.assert(
        fc.asyncProperty(filterArbitrary('User', f), async (filter) => {
          const sql = await sqlIds(f, 'User', filter)
          assert.deepEqual(sql, oracleIds(f, 'User', filter), formatFilter(filter))
        }),
        { numRuns: 400 },
      )
      await fc.assert(
        fc.asyncProperty(filterArbitrary('Group', f), async (filter) => {
          const sql = await sqlIds(f, 'Group', filter)
          assert.deepEqual(sql, oracleIds(f, 'Group', filter), formatFilter(filter))
        }),
        { numRuns: 200 },
      )
    })
  })
}

oracleSuite('sqlite', async () => SqliteStore.open(':memory:'))
if (postgres.available) oracleSuite('postgres', () => postgres.postgres.openStore())

// ---------------------------------------------------------------------------------------------
// Random filters over the fixture's attributes, with values taken from (and bent from) its data.

type Kind = 'string' | 'boolean' | 'dateTime'

const PATHS: Record<
  'User' | 'Group',
  Record<Kind, string[]> & { present: string[]; valuePaths: Record<string, Record<string, Kind>> }
> = {
  User: {
    string: [
      'userName',
      'displayName',
      'name.givenName',
      'name.familyName',
      'title',
      'nickName',
      'userType',
      'locale',
      'externalId',
      'id',
      'emails',
      'emails.value',
      'emails.type',
      'emails.display',
      'phoneNumbers.value',
      'addresses.locality',
      'addresses.country',
      'schemas',
      `${E}:employeeNumber`,
      `${E}:department`,
      `${E}:manager.value`,
      `${E}:manager`,
      'groups',
      'groups.value',
      'groups.display',
      'groups.type',
      'meta.resourceType',
      'meta.version',
    ],
    boolean: ['active', 'emails.primary', 'addresses.primary'],
    dateTime: ['meta.created', 'meta.lastModified'],
    present: [
      'name',
      'emails',
      'addresses',
      'phoneNumbers',
      `${E}:manager`,
      'meta',
      'groups',
      'x509Certificates',
      'title',
      'active',
    ],
    valuePaths: {
      emails: { value: 'string', type: 'string', display: 'string', primary: 'boolean' },
      addresses: { locality: 'string', country: 'string', type: 'string', primary: 'boolean' },
      groups: { value: 'string', display: 'string', type: 'string' },
    },
  },
  Group: {
    string: [
      'displayName',
      'externalId',
      'id',
      'members',
      'members.value',
      'members.type',
      'members.display',
      'schemas',
      'meta.version',
    ],
    boolean: [],
    dateTime: ['meta.created', 'meta.lastModified'],
    present: ['members', 'displayName', 'externalId', 'meta'],
    valuePaths: { members: { value: 'string', type: 'string', display: 'string' } },
  },
}

const HOSTILE = ["' OR 1=1 --", '%', '_', '*', '?', '[', ']', '\\', '"', '']

function stringsIn(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') out.add(value)
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out)
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) stringsIn(v, out)
}

function filterArbitrary(type: 'User' | 'Group', f: Fixture): fc.Arbitrary<Filter> {
  const paths = PATHS[type]
  const pool = new Set<string>(HOSTILE)
  stringsIn(type === 'User' ? f.users : f.groups, pool)
  const strings = [...pool]
  const stringValue = fc
    .tuple(
      fc.constantFrom(...strings),
      fc.constantFrom('same', 'upper', 'lower', 'prefix', 'suffix'),
      fc.nat(6),
    )
    .map(([s, how, n]) => {
      // By code point: half a surrogate pair is not text SQLite can store (it becomes U+FFFD).
      const chars = Array.from(s)
      if (how === 'prefix') return chars.slice(0, n).join('')
      if (how === 'suffix') return chars.slice(-n || chars.length).join('')
      return how === 'upper' ? s.toUpperCase() : how === 'lower' ? s.toLowerCase() : s
    })
  const instants = (type === 'User' ? f.users : f.groups).flatMap((d) => {
    const meta = d.meta as { created: string; lastModified: string }
    return [Date.parse(meta.created), Date.parse(meta.lastModified)]
  })
  const dateTimeValue = fc
    .tuple(
      fc.constantFrom(...instants),
      fc.constantFrom(0, 1, -1, 3_600_000, -86_400_000),
      fc.constantFrom(0, 120, -330),
    )
    .map(([t, delta, offset]) => withOffset(t + delta, offset))
  const booleanValue = fc.constantFrom<CompareValue>(true, false, 'True', 'False', 'true')
  const path = (text: string): AttrPath => parseAttrPath(text)!

  const comparison = (kind: Kind, attr: AttrPath): fc.Arbitrary<Filter> => {
    const ops: CompareOperator[] =
      kind === 'string'
        ? ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']
        : kind === 'boolean'
          ? ['eq', 'ne']
          : ['eq', 'ne', 'gt', 'ge', 'lt', 'le']
    const value: fc.Arbitrary<CompareValue> =
      kind === 'string' ? stringValue : kind === 'boolean' ? booleanValue : dateTimeValue
    return fc
      .oneof(
        { arbitrary: fc.tuple(fc.constantFrom(...ops), value), weight: 9 },
        { arbitrary: fc.tuple(fc.constantFrom<CompareOperator>('eq', 'ne'), fc.constant(null)), weight: 1 },
      )
      .map(([op, v]) => ({ kind: 'compare', op, path: attr, value: v, position: 0 }) as Filter)
  }
  const attributeFilter = (kinds: Record<Kind, string[]>, present: string[]): fc.Arbitrary<Filter> => {
    const options: fc.Arbitrary<Filter>[] = []
    for (const kind of ['string', 'boolean', 'dateTime'] as const) {
      if (kinds[kind].length)
        options.push(fc.constantFrom(...kinds[kind]).chain((p) => comparison(kind, path(p))))
    }
    options.push(
      fc
        .constantFrom(...present, ...kinds.string)
        .map((p) => ({ kind: 'present', path: path(p), position: 0 }) as Filter),
    )
    return fc.oneof(...options)
  }
  const logic = (leaf: fc.Arbitrary<Filter>, depth: number): fc.Arbitrary<Filter> =>
    fc.letrec<{ node: Filter }>((tie) => ({
      node: fc.oneof(
        { maxDepth: depth, depthIdentifier: 'filter' },
        { arbitrary: leaf, weight: 3 },
        fc
          .tuple(fc.constantFrom('and' as const, 'or' as const), tie('node'), tie('node'))
          .map(([kind, left, right]) => ({ kind, left, right }) as Filter),
        tie('node').map((inner) => ({ kind: 'not', filter: inner }) as Filter),
      ),
    })).node

  const valuePath = fc.constantFrom(...Object.keys(paths.valuePaths)).chain((parent) => {
    const subs = paths.valuePaths[parent]!
    const kinds: Record<Kind, string[]> = { string: [], boolean: [], dateTime: [] }
    for (const [name, kind] of Object.entries(subs)) kinds[kind].push(name)
    return logic(attributeFilter(kinds, Object.keys(subs)), 2).map(
      (inner) => ({ kind: 'valuePath', path: { name: parent }, filter: inner, position: 0 }) as Filter,
    )
  })
  const leaf = fc.oneof(
    { arbitrary: attributeFilter(paths, paths.present), weight: 4 },
    { arbitrary: valuePath, weight: 1 },
  )
  return logic(leaf, 3)
}

/** An instant as xsd:dateTime text in another zone (`offset` minutes east of UTC). */
function withOffset(instant: number, offset: number): string {
  if (offset === 0) return new Date(instant).toISOString()
  const local = new Date(instant + offset * 60_000).toISOString().slice(0, 23)
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

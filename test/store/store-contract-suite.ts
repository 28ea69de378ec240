/**
 * The behaviour every `Store` must have (src/store/contract.ts), as node:test tests. Each store
 * runs it: `storeContractSuite('sqlite', (observe) => SqliteStore.open(':memory:', { observe }))`.
 * `open` must give a fresh, empty database each time, whose queries report each statement they
 * run to `observe`; the suite migrates it.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { isScimError, type ScimError } from '../../src/scim/errors.js'
import { CURSOR_TIMEOUT_SECONDS, cursorClock } from '../../src/store/cursor.js'
import type { Statement, StatementObserver } from '../../src/store/sql/statement.js'
import { parseFilter } from '../../src/scim/filter/parse-filter.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import type {
  ListQuery,
  Member,
  MemberPosition,
  NewResource,
  Store,
  StoredResource,
  Tenant,
  TenantStore,
  TenantTransaction,
  TokenRecord,
} from '../../src/store/contract.js'

const registry = defaultRegistry()
const USER = registry.require('User')
const GROUP = registry.require('Group')
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group'

let clock = Date.parse('2024-03-01T00:00:00.000Z')
/** Distinct, increasing timestamps. */
const now = () => new Date((clock += 1000)).toISOString()

let counter = 0
const newId = (prefix: string) => `${prefix}-${++counter}`

function newUser(userName: string, extra: Record<string, unknown> = {}): NewResource {
  const at = now()
  return {
    id: newId('u'),
    resourceType: 'User',
    created: at,
    lastModified: at,
    document: { schemas: [USER_URN], userName, ...extra },
  }
}

function newGroup(displayName: string): NewResource {
  const at = now()
  return {
    id: newId('g'),
    resourceType: 'Group',
    created: at,
    lastModified: at,
    document: { schemas: [GROUP_URN], displayName },
  }
}

function newToken(tenant: Tenant, name: string): TokenRecord {
  const id = newId('t')
  return {
    id,
    tenantId: tenant.id,
    name,
    hash: `${id}`.padEnd(64, '0'),
    hint: 'rst_abc',
    createdAt: now(),
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  }
}

/** Asserts a 409 `uniqueness` ScimError with this detail. */
function isUniqueness(detail: string) {
  return (e: unknown) => {
    assert.ok(isScimError(e), `expected a ScimError, got ${String(e)}`)
    assert.equal((e as ScimError).status, 409)
    assert.equal((e as ScimError).scimType, 'uniqueness')
    assert.equal((e as ScimError).detail, detail)
    return true
  }
}

const isInvalidFilter = (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === 'invalidFilter'

const insert = (ts: TenantStore, ...resources: NewResource[]): Promise<StoredResource[]> =>
  ts.transaction(async (tx) => {
    const out: StoredResource[] = []
    for (const r of resources) out.push(await tx.insert(r))
    return out
  })

const ids = (resources: readonly StoredResource[]) => resources.map((r) => r.id)

/** A promise and the function that settles it, to hold a transaction open. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

const ticks = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

export function storeContractSuite(name: string, open: (observe: StatementObserver) => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    /** Set by a test that looks at the statements the store runs. */
    let observer: StatementObserver | undefined
    let store: Store
    let acme: Tenant
    let other: Tenant
    let a: TenantStore
    let b: TenantStore

    beforeEach(async () => {
      observer = undefined
      store = await open((statement) => observer?.(statement))
      await store.migrate()
      acme = await store.createTenant('organization', 'acme')
      other = await store.createTenant('enterprise', 'other')
      a = store.forTenant(acme)
      b = store.forTenant(other)
    })

    afterEach(async () => {
      await store.close()
    })

    describe('tenants', () => {
      test('migrate() is idempotent and the instance tenant exists after it', async () => {
        await store.migrate()
        await store.migrate()
        const instance = await store.findTenant('instance', '')
        assert.ok(instance)
        assert.equal(instance.kind, 'instance')
        assert.equal(instance.slug, '')
        assert.deepEqual(await store.getTenant(instance.id), instance)
        assert.equal((await store.listTenants()).filter((t) => t.kind === 'instance').length, 1)
      })

      test('createTenant, findTenant, getTenant, listTenants', async () => {
        assert.equal(acme.kind, 'organization')
        assert.equal(acme.slug, 'acme')
        assert.match(acme.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.deepEqual(await store.findTenant('organization', 'acme'), acme)
        assert.deepEqual(await store.getTenant(other.id), other)
        assert.equal(await store.findTenant('enterprise', 'acme'), undefined)
        assert.equal(await store.getTenant('no-such-id'), undefined)
        const listed = await store.listTenants()
        assert.deepEqual(listed.map((t) => t.slug).sort(), ['', 'acme', 'other'])
      })

      test('a duplicate (kind, slug) is 409 uniqueness; the same slug of another kind is not', async () => {
        await assert.rejects(
          store.createTenant('organization', 'acme'),
          isUniqueness("organization 'acme' already exists"),
        )
        const enterprise = await store.createTenant('enterprise', 'acme')
        assert.notEqual(enterprise.id, acme.id)
      })
    })

    describe('tokens', () => {
      test('insert, find by hash, list', async () => {
        const t1 = newToken(acme, 'ci')
        const t2 = newToken(other, 'okta')
        await store.insertToken(t1)
        await store.insertToken(t2)
        assert.deepEqual(await store.findTokenByHash(t1.hash), t1)
        assert.equal(await store.findTokenByHash('0'.repeat(64)), undefined)
        assert.deepEqual(await store.listTokens(acme.id), [t1])
        assert.deepEqual(
          (await store.listTokens()).map((t) => t.id),
          [t1.id, t2.id],
        )
      })

      test('revoke once; markUsed records the time', async () => {
        const t = newToken(acme, 'ci')
        await store.insertToken(t)
        const at = now()
        assert.equal(await store.revokeToken(t.id, at), true)
        assert.equal(await store.revokeToken(t.id, now()), false)
        assert.equal(await store.revokeToken('no-such-token', now()), false)
        assert.equal((await store.findTokenByHash(t.hash))?.revokedAt, at)
        const used = now()
        await store.markTokenUsed(t.id, used)
        assert.equal((await store.findTokenByHash(t.hash))?.lastUsedAt, used)
      })
    })

    describe('resources', () => {
      test('insert gives version 1; get returns what was stored', async () => {
        const input = newUser('bjensen', {
          name: { givenName: 'Barbara' },
          emails: [{ value: 'b@x.com' }],
          active: true,
        })
        const [stored] = await insert(a, input)
        const expected: StoredResource = {
          id: input.id,
          resourceType: 'User',
          version: 1,
          created: input.created,
          lastModified: input.lastModified,
          document: input.document,
        }
        assert.deepEqual(stored, expected)
        assert.deepEqual(await a.get('User', input.id), expected)
        assert.equal(await a.get('Group', input.id), undefined)
        assert.equal(await a.get('User', 'no-such-id'), undefined)
      })

      test('the returned document is a copy', async () => {
        const input = newUser('copy', { name: { givenName: 'C' } })
        const [stored] = await insert(a, input)
        ;(stored!.document.name as Record<string, unknown>).givenName = 'changed'
        assert.deepEqual((await a.get('User', input.id))?.document.name, { givenName: 'C' })
      })

      test('update writes when the version matches, bumping it; otherwise returns undefined', async () => {
        const input = newUser('bjensen')
        await insert(a, input)
        const lastModified = now()
        const document = { schemas: [USER_URN], userName: 'bjensen', displayName: 'Babs' }
        const updated = await a.transaction((tx) =>
          tx.update({ id: input.id, resourceType: 'User', lastModified, document }, 1),
        )
        assert.deepEqual(updated, {
          id: input.id,
          resourceType: 'User',
          version: 2,
          created: input.created,
          lastModified,
          document,
        })
        assert.deepEqual(await a.get('User', input.id), updated)
        const stale = await a.transaction((tx) =>
          tx.update({ id: input.id, resourceType: 'User', lastModified: now(), document }, 1),
        )
        assert.equal(stale, undefined)
        const missing = await a.transaction((tx) =>
          tx.update({ id: 'nope', resourceType: 'User', lastModified: now(), document }, 1),
        )
        assert.equal(missing, undefined)
        assert.equal((await a.get('User', input.id))?.version, 2)
      })

      test('userName is unique per tenant, case-insensitively (non-ASCII too), on insert and update', async () => {
        await insert(a, newUser('ÅSA'), newUser('bob'))
        await assert.rejects(insert(a, newUser('åsa')), isUniqueness('userName "åsa" is already taken'))
        await assert.rejects(insert(a, newUser('BOB')), isUniqueness('userName "BOB" is already taken'))
        // Å as A + combining ring above is the same name once normalised (NFC).
        await assert.rejects(
          insert(a, newUser('A\u030asa')),
          isUniqueness('userName "A\u030asa" is already taken'),
        )
        const carol = newUser('carol')
        await insert(a, carol)
        await assert.rejects(
          a.transaction((tx) =>
            tx.update(
              {
                id: carol.id,
                resourceType: 'User',
                lastModified: now(),
                document: { schemas: [USER_URN], userName: 'Bob' },
              },
              1,
            ),
          ),
          isUniqueness('userName "Bob" is already taken'),
        )
        // Another tenant, and groups, are not concerned.
        await insert(b, newUser('åsa'))
        await insert(a, newGroup('bob'), newGroup('bob'))
      })

      test('text no store can hold (U+0000, lone surrogates) is 400 invalidValue naming the attribute; lookups by it find nothing', async () => {
        await assert.rejects(
          insert(a, newUser('nul', { name: { givenName: 'a\u0000b' } })),
          (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === 'invalidValue' && /name\.givenName/.test(e.detail ?? ''),
        )
        await assert.rejects(
          insert(a, newUser('lone', { title: 'x\ud800' })),
          (e: unknown) => isScimError(e) && e.status === 400 && /title: contains an unpaired UTF-16 surrogate/.test(e.detail ?? ''),
        )
        // An escaped backslash before "u0000" is ordinary text.
        const [kept] = await insert(a, newUser('backslash', { title: '\\u0000 and \\ud800' }))
        assert.equal((await a.get('User', kept!.id))?.document.title, '\\u0000 and \\ud800')
        assert.equal(await a.get('User', 'a\u0000'), undefined)
        assert.deepEqual(await a.existing([kept!.id, 'x\u0000', 'y\udc00']), new Map([[kept!.id, 'User']]))
        assert.equal(await store.findTenant('organization', '\u0000'), undefined)
        assert.equal((await a.list(USER, { startIndex: 1, count: 10 })).totalResults, 1)
      })

      test('concurrent inserts of one userName: exactly one succeeds', async () => {
        const names = ['dup', 'DUP', 'Dup', 'dUp', 'duP', 'DUp']
        const results = await Promise.allSettled(names.map((n) => insert(a, newUser(n))))
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
        for (const r of results) {
          if (r.status === 'rejected')
            assert.ok(isScimError(r.reason) && r.reason.status === 409, String(r.reason))
        }
        assert.equal((await a.list(USER, { startIndex: 1, count: 10 })).totalResults, 1)
      })

      test('store.insert: a transaction of its own, counted, 409 when userName is taken, one winner in a race', async () => {
        const total = async () => (await a.list(USER, { startIndex: 1, count: 0 })).totalResults
        const ada = newUser('ada', { emails: [{ value: 'ada@example.com' }] })
        const stored = await a.insert(ada)
        assert.equal(stored.version, 1)
        assert.deepEqual(await a.get('User', ada.id), stored)
        assert.equal(await total(), 1)
        await assert.rejects(a.insert(newUser('ADA')), isUniqueness('userName "ADA" is already taken'))
        assert.equal(await total(), 1)
        const results = await Promise.allSettled(['x', 'X', 'x', 'X'].map((n) => a.insert(newUser(n))))
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
        assert.equal(await total(), 2)
        await Promise.all(Array.from({ length: 20 }, (_, i) => a.insert(i % 2 ? newUser(`many-${i}`) : newGroup(`many-${i}`))))
        assert.equal(await total(), 12)
        assert.equal((await a.list(GROUP, { startIndex: 1, count: 0 })).totalResults, 10)
        assert.equal((await b.list(USER, { startIndex: 1, count: 0 })).totalResults, 0)
      })

      test('indexed values over 2,000 UTF-8 bytes are 400 invalidValue on every store; 2,000 are kept', async () => {
        // Random text: PostgreSQL compresses repetitive index entries below its limit.
        const random = (chars: string, n: number) => Array.from({ length: n }, (_, i) => chars[(i * 7919 + (i >> 3) * 104729) % chars.length]).join('')
        const isTooLong = (name: string) => (e: unknown) =>
          isScimError(e) && e.status === 400 && e.scimType === 'invalidValue' && e.detail!.startsWith(`${name}: `) && /at most 2000 bytes/.test(e.detail!)
        await assert.rejects(a.insert(newUser(random('abcdefghijklmnopqrstuvwxyz0123456789', 2001))), isTooLong('userName'))
        await assert.rejects(a.insert(newUser('ok', { externalId: random('ЖжЯяЮюФф', 1001) })), isTooLong('externalId'))
        await assert.rejects(a.insert(newGroup(random('€漢字', 700))), isTooLong('displayName'))
        const kept = await a.insert(newUser(random('abcdefghijklmnopqrstuvwxyz0123456789', 2000)))
        const longest = random('€漢字', 666) + 'ab'
        assert.equal(Buffer.byteLength(longest), 2000)
        await a.transaction((tx) => tx.insert(newUser('long-external', { externalId: longest })))
        await assert.rejects(
          a.transaction((tx) => tx.update({ id: kept.id, resourceType: 'User', lastModified: now(), document: { ...kept.document, displayName: longest + 'x' } }, 1)),
          isTooLong('displayName'),
        )
        assert.equal((await a.list(USER, { startIndex: 1, count: 0 })).totalResults, 2)
      })

      test('delete removes the resource and every membership row naming it', async () => {
        const [u1, u2, g1, g2] = await insert(a, newUser('u1'), newUser('u2'), newGroup('g1'), newGroup('g2'))
        await a.transaction(async (tx) => {
          await tx.addMembers(g1!.id, [
            { value: u1!.id, type: 'User' },
            { value: u2!.id, type: 'User' },
            { value: g2!.id, type: 'Group' },
          ])
          await tx.addMembers(g2!.id, [{ value: u1!.id, type: 'User' }])
        })
        assert.equal(await a.transaction((tx) => tx.delete('User', u1!.id)), true)
        assert.equal(await a.get('User', u1!.id), undefined)
        assert.deepEqual(ids2(await a.members(g1!.id)), [u2!.id, g2!.id])
        assert.deepEqual(await a.members(g2!.id), [])
        assert.equal(await a.transaction((tx) => tx.delete('Group', g2!.id)), true)
        assert.deepEqual(ids2(await a.members(g1!.id)), [u2!.id])
        assert.deepEqual((await a.groupsOf([g2!.id])).get(g2!.id), [])
        assert.equal(await a.transaction((tx) => tx.delete('Group', g2!.id)), false)
        assert.equal(await a.transaction((tx) => tx.delete('Group', u2!.id)), false, 'wrong type')
        assert.ok(await a.get('User', u2!.id))
      })

      test('existing() tells which ids exist and as what, in any number', async () => {
        const users = Array.from({ length: 600 }, (_, i) => newUser(`bulk${i}`))
        const [g] = await insert(a, newGroup('g'), ...users)
        await insert(b, newUser('elsewhere'))
        const asked = [
          g!.id,
          ...users.map((u) => u.id),
          ...Array.from({ length: 600 }, (_, i) => `missing-${i}`),
        ]
        const found = await a.existing(asked)
        assert.equal(found.size, 601)
        assert.equal(found.get(g!.id), 'Group')
        assert.equal(found.get(users[599]!.id), 'User')
        assert.equal(found.has('missing-1'), false)
        assert.deepEqual(await a.existing([]), new Map())
      })
    })

    describe('tenant isolation', () => {
      test('tenant B never sees tenant A resources', async () => {
        const [u, g] = await insert(a, newUser('alice'), newGroup('admins'))
        await a.transaction((tx) => tx.addMembers(g!.id, [{ value: u!.id, type: 'User' }]))
        assert.equal(await b.get('User', u!.id), undefined)
        assert.equal(await b.get('Group', g!.id), undefined)
        assert.deepEqual(await b.existing([u!.id, g!.id]), new Map())
        assert.deepEqual(await b.members(g!.id), [])
        assert.deepEqual((await b.groupsOf([u!.id])).get(u!.id), [])
        assert.deepEqual(await b.list(USER, { startIndex: 1, count: 10 }), { totalResults: 0, resources: [] })
        assert.equal(
          (await b.list(USER, { filter: parseFilter('userName eq "alice"'), startIndex: 1, count: 10 }))
            .totalResults,
          0,
        )
        assert.equal(
          (await b.list(GROUP, { filter: parseFilter(`members eq "${u!.id}"`), startIndex: 1, count: 10 }))
            .totalResults,
          0,
        )
        await b.transaction(async (tx) => {
          assert.equal(await tx.get('User', u!.id), undefined)
          const doc = { schemas: [USER_URN], userName: 'hijacked' }
          assert.equal(
            await tx.update({ id: u!.id, resourceType: 'User', lastModified: now(), document: doc }, 1),
            undefined,
          )
          assert.equal(await tx.delete('User', u!.id), false)
          assert.equal(await tx.removeMembers(g!.id, [u!.id]), 0)
          assert.equal(await tx.clearMembers(g!.id), 0)
        })
        assert.equal((await a.get('User', u!.id))?.document.userName, 'alice')
        assert.deepEqual(ids2(await a.members(g!.id)), [u!.id])
        assert.equal(a.tenant.id, acme.id)
      })
    })

    describe('list', () => {
      let users: StoredResource[]
      const query = (q: Partial<Omit<ListQuery, 'filter'>> & { filter?: string } = {}): Promise<string[]> =>
        a
          .list(USER, {
            startIndex: 1,
            count: 100,
            ...q,
            filter: q.filter === undefined ? undefined : parseFilter(q.filter),
          })
          .then((r) => r.resources.map((u) => u.document.userName as string))

      beforeEach(async () => {
        users = await insert(
          a,
          newUser('carol', {
            name: { familyName: 'Zeta' },
            emails: [{ value: 'carol@example.com', type: 'work' }],
            active: true,
          }),
          newUser('Alice', {
            name: { familyName: 'alpha' },
            emails: [{ value: 'alice@Example.com', type: 'home' }],
            active: false,
          }),
          newUser('bob', {
            emails: [
              { value: 'bob@other.org', type: 'work' },
              { value: 'bob@example.com', type: 'home', primary: true },
            ],
          }),
          newUser('dave', { name: { familyName: 'Beta' }, active: true }),
        )
        await insert(b, newUser('eve'))
      })

      test('without filter or sort: every resource of the type, in insertion order', async () => {
        assert.deepEqual(await query(), ['carol', 'Alice', 'bob', 'dave'])
        const groups = await a.list(GROUP, { startIndex: 1, count: 10 })
        assert.deepEqual(groups, { totalResults: 0, resources: [] })
      })

      test('filters run in the database, case-insensitively where the schema says so', async () => {
        assert.deepEqual(await query({ filter: 'userName eq "ALICE"' }), ['Alice'])
        assert.deepEqual(await query({ filter: 'emails co "EXAMPLE.COM"' }), ['carol', 'Alice', 'bob'])
        assert.deepEqual(await query({ filter: 'emails[type eq "work" and value co "example"]' }), ['carol'])
        assert.deepEqual(await query({ filter: 'active eq true or name.familyName sw "a"' }), [
          'carol',
          'Alice',
          'dave',
        ])
        assert.deepEqual(await query({ filter: 'not (active eq true)' }), ['Alice', 'bob'])
        assert.deepEqual(await query({ filter: 'active ne true' }), ['Alice', 'bob'])
        assert.deepEqual(await query({ filter: `id eq "${users[2]!.id}"` }), ['bob'])
        assert.deepEqual(await query({ filter: 'name pr' }), ['carol', 'Alice', 'dave'])
      })

      test('unknown attributes are 400 invalidFilter', async () => {
        await assert.rejects(query({ filter: 'nickname2 eq "x"' }), isInvalidFilter)
        await assert.rejects(query({ filter: 'password eq "secret"' }), isInvalidFilter)
      })

      test('sortBy orders by the value (folded), absent values last when ascending, first when descending', async () => {
        assert.deepEqual(await query({ sortBy: { name: 'userName' } }), ['Alice', 'bob', 'carol', 'dave'])
        assert.deepEqual(await query({ sortBy: { name: 'userName' }, sortOrder: 'descending' }), [
          'dave',
          'carol',
          'bob',
          'Alice',
        ])
        assert.deepEqual(await query({ sortBy: { name: 'name', subAttr: 'familyName' } }), [
          'Alice',
          'dave',
          'carol',
          'bob',
        ])
        assert.deepEqual(
          await query({ sortBy: { name: 'name', subAttr: 'familyName' }, sortOrder: 'descending' }),
          ['bob', 'carol', 'dave', 'Alice'],
        )
        // Multi-valued: the primary value, or else the first.
        assert.deepEqual(await query({ sortBy: { name: 'emails' } }), ['Alice', 'bob', 'carol', 'dave'])
        assert.deepEqual(await query({ sortBy: { name: 'emails', subAttr: 'type' } }), [
          'Alice',
          'bob',
          'carol',
          'dave',
        ])
        assert.deepEqual(
          await query({ sortBy: { name: 'meta', subAttr: 'created' }, sortOrder: 'descending' }),
          ['dave', 'bob', 'Alice', 'carol'],
        )
      })

      test('paging: startIndex is 1-based, totalResults counts every match, count 0 returns none', async () => {
        const page = await a.list(USER, { startIndex: 2, count: 2, sortBy: { name: 'userName' } })
        assert.equal(page.totalResults, 4)
        assert.deepEqual(
          page.resources.map((r) => r.document.userName),
          ['bob', 'carol'],
        )
        assert.deepEqual(await a.list(USER, { startIndex: 1, count: 0 }), { totalResults: 4, resources: [] })
        assert.deepEqual(await a.list(USER, { startIndex: 10, count: 5 }), { totalResults: 4, resources: [] })
        const filtered = await a.list(USER, {
          filter: parseFilter('emails co "example"'),
          startIndex: 3,
          count: 5,
        })
        assert.equal(filtered.totalResults, 3)
        assert.deepEqual(ids(filtered.resources), [users[2]!.id])
        // Paging through everything, one at a time, sees every resource once.
        const seen: string[] = []
        for (let i = 1; i <= 4; i++)
          seen.push(...ids((await a.list(USER, { startIndex: i, count: 1 })).resources))
        assert.deepEqual(seen, ids(users))
      })
    })

    describe('transactions', () => {
      test('a throwing fn rolls everything back and its error comes out unchanged', async () => {
        const boom = new Error('boom')
        const [g] = await insert(a, newGroup('g'))
        const u = newUser('ghost')
        await assert.rejects(
          a.transaction(async (tx) => {
            await tx.insert(u)
            await tx.addMembers(g!.id, [{ value: u.id, type: 'User' }])
            throw boom
          }),
          (e) => e === boom,
        )
        assert.equal(await a.get('User', u.id), undefined)
        assert.deepEqual(await a.members(g!.id), [])
        // A uniqueness failure part-way also leaves nothing behind.
        await assert.rejects(
          insert(a, newUser('one'), newUser('two'), newUser('ONE')),
          isUniqueness('userName "ONE" is already taken'),
        )
        assert.equal(
          (await a.list(USER, { filter: parseFilter('userName eq "two"'), startIndex: 1, count: 1 }))
            .totalResults,
          0,
        )
      })

      test('returns what fn returns', async () => {
        assert.equal(await a.transaction(async () => 42), 42)
      })

      test('reads from outside never see uncommitted writes', async () => {
        const hold = deferred()
        const u = newUser('pending')
        const running = a.transaction(async (tx) => {
          await tx.insert(u)
          await hold.promise
          throw new Error('rolled back')
        })
        await ticks()
        let settledEarly = false
        const reads = Promise.all([
          a.get('User', u.id),
          a.list(USER, { filter: parseFilter('userName eq "pending"'), startIndex: 1, count: 10 }),
          a.existing([u.id]),
        ]).then((r) => {
          settledEarly = true
          return r
        })
        await ticks()
        hold.resolve()
        await assert.rejects(running, /rolled back/)
        const [got, listed, existing] = await reads
        assert.equal(
          got,
          undefined,
          `read ${settledEarly ? 'during' : 'after'} the transaction saw its write`,
        )
        assert.equal(listed.totalResults, 0)
        assert.equal(existing.size, 0)
      })

      test('reads from outside see committed writes once the transaction ends', async () => {
        const hold = deferred()
        const u = newUser('committed')
        const running = a.transaction(async (tx) => {
          await tx.insert(u)
          await hold.promise
        })
        await ticks()
        let committed = false
        const read = a.get('User', u.id).then((r) => ({ r, afterCommit: committed }))
        await ticks()
        hold.resolve()
        await running
        committed = true
        const { r, afterCommit } = await read
        // Before the commit a read may run (and see nothing) or wait; after it, it sees the row.
        if (r === undefined) assert.equal(afterCommit, false)
        assert.equal((await a.get('User', u.id))?.id, u.id)
      })

      test('writes outside a transaction are not rolled back with it', async () => {
        const hold = deferred()
        const running = a.transaction(async (tx) => {
          await tx.insert(newUser('doomed'))
          await hold.promise
          throw new Error('rolled back')
        })
        await ticks()
        const token = newToken(acme, 'during')
        const writes = Promise.all([store.insertToken(token), store.createTenant('organization', 'during')])
        await ticks()
        hold.resolve()
        await assert.rejects(running, /rolled back/)
        await writes
        assert.deepEqual(await store.findTokenByHash(token.hash), token)
        assert.ok(await store.findTenant('organization', 'during'))
      })

      test('concurrent read-modify-write transactions on one row are serialised', async () => {
        const u = newUser('counter', { title: '0' })
        await insert(a, u)
        const bump = () =>
          a.transaction(async (tx) => {
            const current = await tx.get('User', u.id)
            assert.ok(current)
            await ticks(1)
            const title = String(Number(current.document.title) + 1)
            const updated = await tx.update(
              {
                id: u.id,
                resourceType: 'User',
                lastModified: now(),
                document: { ...current.document, title },
              },
              current.version,
            )
            assert.ok(updated, 'the row changed under a transaction that had read it')
          })
        await Promise.all(Array.from({ length: 5 }, bump))
        const final = await a.get('User', u.id)
        assert.equal(final?.document.title, '5')
        assert.equal(final?.version, 6)
      })
    })

    describe('memberships', () => {
      test('addMembers is idempotent and counts only what it added; members() keeps insertion order', async () => {
        const [u1, u2, u3, g, sub] = await insert(
          a,
          newUser('zed', { displayName: 'Zed Z' }),
          newUser('amy'),
          newUser('max'),
          newGroup('team'),
          newGroup('sub-team'),
        )
        const added = await a.transaction((tx) =>
          tx.addMembers(g!.id, [
            { value: u1!.id, type: 'User' },
            { value: u2!.id, type: 'User' },
            { value: u2!.id, type: 'User' },
          ]),
        )
        assert.equal(added, 2)
        const again = await a.transaction((tx) =>
          tx.addMembers(g!.id, [
            { value: u2!.id, type: 'User' },
            { value: sub!.id, type: 'Group' },
            { value: u3!.id, type: 'User' },
            { value: u1!.id, type: 'User' },
          ]),
        )
        assert.equal(again, 2)
        assert.deepEqual(await a.members(g!.id), [
          { value: u1!.id, type: 'User', display: 'Zed Z' },
          { value: u2!.id, type: 'User', display: 'amy' },
          { value: sub!.id, type: 'Group', display: 'sub-team' },
          { value: u3!.id, type: 'User', display: 'max' },
        ])
      })

      test('removeMembers and clearMembers count what they removed and ignore absent values', async () => {
        const [u1, u2, u3, g] = await insert(a, newUser('r1'), newUser('r2'), newUser('r3'), newGroup('g'))
        await a.transaction((tx) =>
          tx.addMembers(
            g!.id,
            [u1!, u2!, u3!].map((u) => ({ value: u.id, type: 'User' as const })),
          ),
        )
        assert.equal(await a.memberCount(g!.id), 3)
        assert.equal(await a.transaction((tx) => tx.removeMembers(g!.id, [u2!.id, 'absent', u2!.id])), 1)
        assert.equal(await a.transaction((tx) => tx.removeMembers(g!.id, [u2!.id])), 0)
        assert.deepEqual(ids2(await a.members(g!.id)), [u1!.id, u3!.id])
        assert.equal(await a.memberCount(g!.id), 2)
        assert.equal(await a.transaction((tx) => tx.memberCount(g!.id)), 2)
        assert.equal(await a.transaction((tx) => tx.removeMembers(g!.id, [])), 0)
        assert.equal(await a.transaction((tx) => tx.clearMembers(g!.id)), 2)
        assert.equal(await a.transaction((tx) => tx.clearMembers(g!.id)), 0)
        assert.deepEqual(await a.members(g!.id), [])
        assert.equal(await a.memberCount(g!.id), 0)
        assert.equal(await a.memberCount('no-such-group'), 0)
      })

      test('groupsOf answers for every id asked, with direct memberships', async () => {
        const [u1, u2, g1, g2, g3] = await insert(
          a,
          newUser('m1'),
          newUser('m2'),
          newGroup('One'),
          newGroup('Two'),
          newGroup('Three'),
        )
        await a.transaction(async (tx) => {
          await tx.addMembers(g1!.id, [{ value: u1!.id, type: 'User' }])
          await tx.addMembers(g2!.id, [
            { value: u1!.id, type: 'User' },
            { value: g3!.id, type: 'Group' },
          ])
        })
        const groups = await a.groupsOf([u1!.id, u2!.id, g3!.id, 'unknown'])
        assert.deepEqual(groups.get(u1!.id), [
          { value: g1!.id, display: 'One', type: 'direct' },
          { value: g2!.id, display: 'Two', type: 'direct' },
        ])
        assert.deepEqual(groups.get(u2!.id), [])
        assert.deepEqual(groups.get(g3!.id), [{ value: g2!.id, display: 'Two', type: 'direct' }])
        assert.deepEqual(groups.get('unknown'), [])
        assert.equal(groups.size, 4)
      })

      test('groupsOf takes any number of ids', async () => {
        const users = Array.from({ length: 700 }, (_, i) => newUser(`many${i}`))
        const [g] = await insert(a, newGroup('big'), ...users)
        await a.transaction((tx) =>
          tx.addMembers(
            g!.id,
            users.map((u) => ({ value: u.id, type: 'User' as const })),
          ),
        )
        const groups = await a.groupsOf(users.map((u) => u.id))
        assert.equal(groups.size, 700)
        assert.ok([...groups.values()].every((m) => m.length === 1 && m[0]!.value === g!.id))
        assert.equal((await a.members(g!.id)).length, 700)
      })

      test('list with groups: each listed resource with what groupsOf gives it, in every kind of page', async () => {
        const [u1, u2, u3, g1, g2] = await insert(
          a,
          newUser('lg1'),
          newUser('lg2', { title: 'x' }),
          newUser('lg3', { title: 'x' }),
          newGroup('One'),
          newGroup('Two'),
        )
        await a.transaction(async (tx) => {
          await tx.addMembers(g2!.id, [{ value: u1!.id, type: 'User' }])
          await tx.addMembers(g1!.id, [
            { value: u1!.id, type: 'User' },
            { value: u3!.id, type: 'User' },
          ])
        })
        await b.transaction((tx) => tx.insert(newUser('lg1')))
        const queries: ListQuery[] = [
          { startIndex: 1, count: 10 },
          { startIndex: 2, count: 1 },
          { startIndex: 1, count: 0 },
          { startIndex: 9, count: 10 },
          { filter: parseFilter('userName eq "LG1"'), startIndex: 1, count: 10 },
          { filter: parseFilter('title eq "x"'), startIndex: 1, count: 1 },
          { filter: parseFilter('userName eq "nobody"'), startIndex: 1, count: 10 },
          { sortBy: { name: 'userName' }, sortOrder: 'descending', startIndex: 1, count: 10 },
          { cursor: '', startIndex: 1, count: 2 },
        ]
        for (const query of queries) {
          const plain = await a.list(USER, query)
          const listed = await a.list(USER, { ...query, groups: true })
          const label = JSON.stringify(query)
          assert.equal(plain.groups, undefined, label)
          assert.deepEqual(ids(listed.resources), ids(plain.resources), label)
          assert.equal(listed.totalResults, plain.totalResults, label)
          const expected = await a.groupsOf(ids(listed.resources))
          assert.deepEqual(listed.groups, ids(listed.resources).map((id) => expected.get(id)), label)
        }
        const first = await a.list(USER, { filter: parseFilter('userName eq "lg1"'), startIndex: 1, count: 10, groups: true })
        assert.deepEqual(first.groups, [
          [
            { value: g2!.id, display: 'Two', type: 'direct' },
            { value: g1!.id, display: 'One', type: 'direct' },
          ],
        ])
        assert.deepEqual((await a.list(USER, { filter: parseFilter(`id eq "${u2!.id}"`), startIndex: 1, count: 1, groups: true })).groups, [[]])
      })

      test('filters on derived attributes read the membership table', async () => {
        const [u1, u2, g1, g2] = await insert(
          a,
          newUser('f1'),
          newUser('f2'),
          newGroup('Admins'),
          newGroup('Staff'),
        )
        await a.transaction(async (tx) => {
          await tx.addMembers(g1!.id, [{ value: u1!.id, type: 'User' }])
          await tx.addMembers(g2!.id, [
            { value: u1!.id, type: 'User' },
            { value: u2!.id, type: 'User' },
          ])
        })
        const users = (f: string) =>
          a.list(USER, { filter: parseFilter(f), startIndex: 1, count: 10 }).then((r) => ids(r.resources))
        const groups = (f: string) =>
          a.list(GROUP, { filter: parseFilter(f), startIndex: 1, count: 10 }).then((r) => ids(r.resources))
        assert.deepEqual(await users(`groups eq "${g1!.id}"`), [u1!.id])
        assert.deepEqual(await users('groups.display eq "STAFF"'), [u1!.id, u2!.id])
        assert.deepEqual(await groups(`members eq "${u2!.id}"`), [g2!.id])
        assert.deepEqual(await groups(`members[value eq "${u1!.id}" and type eq "user"]`), [g1!.id, g2!.id])
        assert.deepEqual(await groups('members.display eq "F2"'), [g2!.id])
      })

      /** Every page of a memberPage walk, `between` run after each page but the last. */
      async function memberWalk(
        ts: Pick<TenantStore, 'memberPage'>,
        groupId: string,
        limit: number,
        between: (page: number) => Promise<void> = async () => {},
      ): Promise<Member[][]> {
        const pages: Member[][] = []
        let after: MemberPosition | undefined
        for (;;) {
          const page = await ts.memberPage(groupId, after, limit)
          assert.ok(page.members.length <= limit, `a page holds at most ${limit}`)
          pages.push(page.members)
          if (page.next === undefined) return pages
          assert.ok(pages.length < 1000, 'the walk ends')
          await between(pages.length)
          after = page.next
        }
      }

      test('memberPage walks the members in the order added, like members(), a page at a time', async () => {
        const [sub, g, empty, ...users] = await insert(
          a,
          newGroup('sub-team'),
          newGroup('team'),
          newGroup('empty'),
          ...Array.from({ length: 6 }, (_, i) => newUser(`p${i}`, i % 2 ? { displayName: `P ${i}` } : {})),
        )
        await a.transaction(async (tx) => {
          await tx.addMembers(g!.id, users.slice(0, 3).map((u) => ({ value: u.id, type: 'User' as const })))
          await tx.addMembers(g!.id, [{ value: sub!.id, type: 'Group' }])
          await tx.addMembers(g!.id, users.slice(3).map((u) => ({ value: u.id, type: 'User' as const })))
        })
        const all = await a.members(g!.id)
        assert.equal(all.length, 7)
        assert.deepEqual(all[3], { value: sub!.id, type: 'Group', display: 'sub-team' })
        for (const limit of [1, 2, 3, 6, 7, 8, 1000]) {
          const pages = await memberWalk(a, g!.id, limit)
          assert.deepEqual(pages.flat(), all, `limit ${limit}`)
          // Every page but the last is full; a walk that ends on a full page has no empty page after it.
          assert.deepEqual(
            pages.map((p) => p.length),
            [...Array(Math.floor(7 / limit)).fill(limit), ...(7 % limit ? [7 % limit] : [])],
            `limit ${limit}`,
          )
        }
        assert.deepEqual(await a.memberPage(empty!.id, undefined, 10), { members: [] })
        assert.deepEqual(await a.memberPage('unknown', undefined, 10), { members: [] })
        assert.deepEqual(await b.memberPage(g!.id, undefined, 10), { members: [] }, 'another tenant sees nothing')
        // A transaction reads its own writes.
        await a.transaction(async (tx) => {
          await tx.removeMembers(g!.id, [users[0]!.id])
          assert.deepEqual((await memberWalk(tx, g!.id, 2)).flat(), all.slice(1))
        })
        for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(a.memberPage(g!.id, undefined, limit), TypeError, `limit ${limit}`)
        }
      })

      test('a memberPage walk under concurrent membership changes: no member twice, every untouched member once', async () => {
        // Limits where the last page ends at the walk's bound, and where it would run past it.
        for (const limit of [3, 4, 5]) await walkUnderChanges(limit)
      })

      async function walkUnderChanges(limit: number): Promise<void> {
        const users = await insert(a, ...Array.from({ length: 12 }, (_, i) => newUser(`w${i}-of-${limit}`)))
        const [g, late] = await insert(a, newGroup(`busy-${limit}`), newUser(`late-${limit}`))
        const member = (u: StoredResource) => ({ value: u.id, type: 'User' as const })
        await a.transaction((tx) => tx.addMembers(g!.id, users.map(member)))
        const tx = <T>(fn: (tx: TenantTransaction) => Promise<T>) => a.transaction(fn)
        const pages = await memberWalk(a, g!.id, limit, async (page) => {
          if (page !== 1) return
          // Behind the walk: removed and added again (a new row), twice over.
          await tx((t) => t.removeMembers(g!.id, [users[1]!.id]))
          await tx((t) => t.addMembers(g!.id, [member(users[1]!)]))
          await tx(async (t) => {
            await t.removeMembers(g!.id, [users[0]!.id])
            await t.addMembers(g!.id, [member(users[0]!)])
          })
          // Ahead of it: removed, deleted, removed and added again, and a new member.
          await tx((t) => t.removeMembers(g!.id, [users[5]!.id]))
          await tx((t) => t.delete('User', users[7]!.id))
          await tx((t) => t.removeMembers(g!.id, [users[9]!.id]))
          await tx((t) => t.addMembers(g!.id, [member(users[9]!)]))
          await tx((t) => t.addMembers(g!.id, [member(late!)]))
        })
        const seen = pages.flat().map((m) => m.value)
        assert.equal(new Set(seen).size, seen.length, `no member twice (limit ${limit})`)
        const untouched = [0, 1, 2, 3, 4, 6, 8, 10, 11].map((i) => users[i]!.id)
        assert.deepEqual(
          seen.filter((v) => untouched.includes(v)),
          untouched,
          `every member read before the changes or untouched by them, in order (limit ${limit})`,
        )
        assert.ok(!seen.includes(users[5]!.id) && !seen.includes(users[7]!.id), 'removed members ahead of the walk are absent')
        // A new walk shows the group as it is now.
        assert.deepEqual(
          (await memberWalk(a, g!.id, limit)).flat().map((m) => m.value),
          (await a.members(g!.id)).map((m) => m.value),
        )
      }

      test('a memberPage walk over a member list rewritten in another order reads no member twice', async () => {
        // Seqs must never be reused: on SQLite a plain rowid would give the rows added after the
        // group's rows at the top of the table were deleted the same seqs again, inside the
        // walk's bound (migration 3 made it AUTOINCREMENT).
        const [g, x, y, z] = await insert(a, newGroup('rewritten'), newUser('x'), newUser('y'), newUser('z'))
        const member = (u: StoredResource) => ({ value: u.id, type: 'User' as const })
        await a.transaction((tx) => tx.addMembers(g!.id, [x!, y!, z!].map(member)))
        const pages = await memberWalk(a, g!.id, 1, async (page) => {
          if (page !== 1) return
          // What a PUT does: clear the list, add the new one.
          await a.transaction(async (tx) => {
            await tx.clearMembers(g!.id)
            await tx.addMembers(g!.id, [y!, x!, z!].map(member))
          })
        })
        const seen = pages.flat().map((m) => m.value)
        assert.equal(seen[0], x!.id)
        assert.equal(new Set(seen).size, seen.length, `no member twice: ${seen.join(', ')}`)
      })
    })

    describe('pagination (RFC 9865 cursors, startIndex walks, exact totals)', () => {
      type Walk = Omit<ListQuery, 'startIndex' | 'count' | 'cursor'>
      /** Every page of a cursor walk; `between` runs after each page (concurrent writes). */
      const cursorWalk = async (q: Walk, count: number, between: (page: number) => Promise<void> = async () => {}) => {
        const seen: StoredResource[] = []
        let cursor: string | undefined = ''
        for (let page = 0; cursor !== undefined; page++) {
          assert.ok(page < 200, 'the walk ends')
          const result: Awaited<ReturnType<TenantStore['list']>> = await a.list(USER, { ...q, startIndex: 1, count, cursor })
          assert.ok(result.resources.length <= count)
          if (result.nextCursor !== undefined) assert.match(result.nextCursor, /^[A-Za-z0-9._~-]+$/)
          seen.push(...result.resources)
          cursor = result.nextCursor
          await between(page)
        }
        return seen
      }
      const all = async (q: Walk = {}) => (await a.list(USER, { ...q, startIndex: 1, count: 10_000 })).resources
      const names = (rs: readonly StoredResource[]) => rs.map((r) => r.document.userName as string)
      const isScimType = (type: string) => (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === type

      const seed = (n: number, from = 0) =>
        insert(
          a,
          ...Array.from({ length: n }, (_, i) =>
            newUser(`p${String((i + from) * 7919 % 1000).padStart(3, '0')}-${i + from}`, {
              ...(i % 3 !== 0 && { title: `t${(i * 13) % 5}` }),
              active: i % 2 === 0,
            }),
          ),
        )

      test('a cursor walk returns every row once, in the order of the list, with filter and sortBy', async () => {
        await seed(23)
        await insert(b, newUser('other-tenant'))
        const orders: Walk[] = [
          {},
          { sortBy: { name: 'userName' } },
          { sortBy: { name: 'userName' }, sortOrder: 'descending' },
          { sortBy: { name: 'title' } },
          { sortBy: { name: 'title' }, sortOrder: 'descending' },
          { filter: parseFilter('active eq true'), sortBy: { name: 'title' } },
          { filter: parseFilter('userName sw "p"') },
        ]
        for (const q of orders) {
          for (const count of [1, 4, 23, 50]) {
            assert.deepEqual(names(await cursorWalk(q, count)), names(await all(q)), JSON.stringify({ q, count }))
          }
        }
        const first = await a.list(USER, { startIndex: 1, count: 5, cursor: '' })
        assert.equal(first.totalResults, 23)
        assert.equal(first.previousCursor, undefined, 'the first page has no previous page')
        const filtered = await a.list(USER, { filter: parseFilter('active eq true'), startIndex: 1, count: 5, cursor: '' })
        assert.equal(filtered.totalResults, 12)
        const lastPage = await a.list(USER, { startIndex: 1, count: 23, cursor: '' })
        assert.equal(lastPage.nextCursor, undefined, 'nextCursor is omitted on the last page')
      })

      test('previousCursor leads back to the page before, in every order', async () => {
        await seed(17)
        for (const q of [{}, { sortBy: { name: 'title' } }, { sortBy: { name: 'title' }, sortOrder: 'descending' }] as Walk[]) {
          const pages: string[][] = []
          const previous: (string | undefined)[] = []
          let cursor: string | undefined = ''
          while (cursor !== undefined) {
            const page: Awaited<ReturnType<TenantStore['list']>> = await a.list(USER, { ...q, startIndex: 1, count: 5, cursor })
            pages.push(names(page.resources))
            previous.push(page.previousCursor)
            cursor = page.nextCursor
          }
          assert.equal(pages.length, 4)
          for (let i = 1; i < pages.length; i++) {
            const back = await a.list(USER, { ...q, startIndex: 1, count: 5, cursor: previous[i]! })
            assert.deepEqual(names(back.resources), pages[i - 1], `page ${i} back`)
            assert.equal(back.previousCursor === undefined, i === 1, 'the first page has no previousCursor')
            const forth = await a.list(USER, { ...q, startIndex: 1, count: 5, cursor: back.nextCursor! })
            assert.deepEqual(names(forth.resources), pages[i])
          }
        }
      })

      test('cursor walks under concurrent inserts and deletes: no row twice, no untouched row skipped', async () => {
        for (const q of [{}, { sortBy: { name: 'userName' } }, { sortBy: { name: 'title' }, sortOrder: 'descending' }] as Walk[]) {
          const before = await seed(30, 100)
          const deleted = new Set<string>()
          let next = 1000
          const seen = await cursorWalk(q, 4, async (page) => {
            // Delete one row ahead of the walk and one behind it, insert two anywhere in the order.
            const victims = [before[(page * 7 + 3) % before.length]!, before[(page * 11) % before.length]!]
            for (const v of victims) {
              if (deleted.has(v.id)) continue
              deleted.add(v.id)
              await a.transaction((tx) => tx.delete('User', v.id))
            }
            await seed(2, next)
            next += 2
          })
          const seenIds = ids(seen)
          assert.equal(new Set(seenIds).size, seenIds.length, 'no row is returned twice')
          const untouched = ids(before).filter((id) => !deleted.has(id))
          for (const id of untouched) assert.ok(seenIds.includes(id), `untouched row ${id} was seen`)
          // Clean up for the next order.
          for (const r of await all()) await a.transaction((tx) => tx.delete('User', r.id))
        }
      })

      test('a tampered, foreign or malformed cursor is 400 invalidCursor; an old one expiredCursor', async () => {
        await seed(6)
        const page = await a.list(USER, { startIndex: 1, count: 2, cursor: '' })
        const next = page.nextCursor!
        const list = (cursor: string, q: Walk = {}) => a.list(USER, { ...q, startIndex: 1, count: 2, cursor })
        const flipped = next.slice(0, 5) + (next[5] === 'A' ? 'B' : 'A') + next.slice(6)
        for (const bad of ['garbage', 'x.y', '.', flipped, `${next}x`, next.replace('.', '.A')]) {
          await assert.rejects(list(bad), isScimType('invalidCursor'), bad)
        }
        // Bound to its query: another filter or sort, or another tenant, refuses it.
        await assert.rejects(list(next, { sortBy: { name: 'userName' } }), isScimType('invalidCursor'))
        await assert.rejects(list(next, { filter: parseFilter('active eq true') }), isScimType('invalidCursor'))
        await assert.rejects(b.list(USER, { startIndex: 1, count: 2, cursor: next }), isScimType('invalidCursor'))
        await assert.rejects(a.list(GROUP, { startIndex: 1, count: 2, cursor: next }), isScimType('invalidCursor'))
        assert.equal((await list(next)).resources.length, 2)
        const clock = cursorClock.now
        try {
          cursorClock.now = () => Date.now() + (CURSOR_TIMEOUT_SECONDS + 1) * 1000
          await assert.rejects(list(next), isScimType('expiredCursor'))
        } finally {
          cursorClock.now = clock
        }
      })

      test('totalResults is exact after creates, deletes, rollbacks and concurrent writers', async () => {
        const total = async () => (await a.list(USER, { startIndex: 1, count: 0 })).totalResults
        const counted = async () =>
          (await a.list(USER, { filter: parseFilter('userName pr'), startIndex: 1, count: 0 })).totalResults
        assert.equal(await total(), 0)
        const users = await seed(10)
        assert.equal(await total(), 10)
        await a.transaction((tx) => tx.delete('User', users[0]!.id))
        assert.equal(await a.transaction((tx) => tx.delete('User', users[0]!.id)), false)
        assert.equal(await total(), 9)
        await assert.rejects(
          a.transaction(async (tx) => {
            await tx.insert(newUser('rolled-back'))
            await tx.delete('User', users[1]!.id)
            throw new Error('abort')
          }),
          /abort/,
        )
        assert.equal(await total(), 9)
        // A refused insert (taken userName) counts nothing.
        await assert.rejects(insert(a, newUser(users[2]!.document.userName as string)), isUniqueness(
          `userName ${JSON.stringify(users[2]!.document.userName)} is already taken`,
        ))
        assert.equal(await total(), 9)
        await Promise.all([
          ...Array.from({ length: 12 }, (_, i) => insert(a, newUser(`concurrent-${i}`))),
          ...users.slice(3, 7).map((u) => a.transaction((tx) => tx.delete('User', u.id))),
        ])
        assert.equal(await total(), 9 + 12 - 4)
        assert.equal(await total(), await counted())
        // Per tenant and per type.
        await insert(b, newUser('b1'), newGroup('g'))
        assert.equal(await total(), 17)
        assert.equal((await b.list(USER, { startIndex: 1, count: 0 })).totalResults, 1)
        assert.equal((await b.list(GROUP, { startIndex: 1, count: 0 })).totalResults, 1)
        const page = await a.list(USER, { startIndex: 5, count: 3 })
        assert.equal(page.totalResults, 17)
      })

      test('startIndex pages equal OFFSET pages of the full list: sequential walks, jumps, after writes', async () => {
        await seed(40)
        const check = async (startIndex: number, count: number, q: Walk = {}) => {
          const expected = (await all(q)).slice(startIndex - 1, startIndex - 1 + count)
          const page = await a.list(USER, { ...q, startIndex, count })
          assert.deepEqual(ids(page.resources), ids(expected), JSON.stringify({ startIndex, count, q }))
          assert.equal(page.totalResults, (await all(q)).length)
        }
        for (let i = 1; i <= 41; i += 7) await check(i, 7)
        for (const [i, n] of [[30, 5], [3, 4], [29, 11], [40, 3], [41, 1], [100, 2], [1, 40], [12, 0], [8, 8], [16, 8]]) {
          await check(i!, n!)
        }
        const list = await all()
        // Deletes before and after remembered positions, and inserts, between pages.
        for (let i = 1; i <= 45; i += 6) {
          await check(i, 6)
          if (i % 2 === 1) await a.transaction((tx) => tx.delete('User', list[(i * 3) % list.length]!.id).then(() => undefined))
          await seed(1, 500 + i)
        }
        for (let i = 1; i <= 50; i += 9) await check(i, 9, { sortBy: { name: 'userName' } })
        for (let i = 1; i <= 30; i += 4) await check(i, 4, { filter: parseFilter('active eq true') })
      })

      test('a sequential startIndex walk reads each page by position, never skipping rows with OFFSET', async () => {
        const users = await seed(60)
        // The rows a list statement skips with OFFSET: its last value (LIMIT may be a literal).
        let largestSkip = 0
        observer = (statement: Statement) => {
          if (/ OFFSET /.test(statement.sql)) largestSkip = Math.max(largestSkip, Number(statement.params.at(-1)))
        }
        const seen: string[] = []
        for (let i = 1; i <= 60; i += 7) {
          const page = await a.list(USER, { startIndex: i, count: 7 })
          assert.equal(page.totalResults, 60)
          seen.push(...ids(page.resources))
        }
        assert.deepEqual(seen, ids(users))
        assert.equal(largestSkip, 0, 'every page after the first started from a remembered position')
        // A jump starts from the nearest remembered position below it.
        assert.deepEqual(ids((await a.list(USER, { startIndex: 31, count: 3 })).resources), ids(users.slice(30, 33)))
        assert.ok(largestSkip <= 2, `skipped ${largestSkip} rows`)
      })
    })
  })
}

const ids2 = (members: readonly { value: string }[]) => members.map((m) => m.value)

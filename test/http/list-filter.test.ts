import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ENTERPRISE_SCHEMA, group, patch, STORES, startHarness, user, USER_SCHEMA, type Harness } from '../helpers/harness.js'

type Resource = any

interface Person {
  userName: string
  given?: string
  family?: string
  title?: string
  userType: string
  active: boolean
  department?: string
  employeeNumber?: string
}

const p = (
  userName: string,
  given: string,
  family: string,
  title: string | undefined,
  userType: string,
  active: boolean,
  department?: string,
  employeeNumber?: string,
): Person => ({
  userName,
  given,
  family,
  userType,
  active,
  ...(title !== undefined && { title }),
  ...(department !== undefined && { department }),
  ...(employeeNumber !== undefined && { employeeNumber }),
})

/** The seeded directory: 20 users; the last has no name, emails, title or enterprise data. */
const PEOPLE: Person[] = [
  p('bjensen', 'Barbara', 'Jensen', 'Tour Guide', 'Employee', true, 'Sales', '701984'),
  p('jsmith', 'John', 'Smith', 'Engineer', 'Employee', true, 'Engineering', '1001'),
  p('asmith', 'Alice', 'Smith', 'Engineer', 'Contractor', false, 'Engineering', '1002'),
  p('mdoe', 'Mary', 'Doe', 'Manager', 'Employee', true, 'Sales', '1003'),
  p('jdoe', 'John', 'Doe', undefined, 'Intern', true, 'Support', '1004'),
  p('kwong', 'Kim', 'Wong', 'Engineer', 'Employee', true, 'Engineering', '1005'),
  p('lgarcia', 'Luis', 'Garcia', 'Designer', 'Contractor', true, 'Design', '1006'),
  p('pmartin', 'Paul', 'Martin', 'Engineer', 'Employee', false, 'Engineering', '1007'),
  p('rchen', 'Rita', 'Chen', 'Director', 'Employee', true, 'Sales', '1008'),
  p('swilliams', 'Sam', 'Williams', undefined, 'Intern', false, 'Support', '1009'),
  p('tnguyen', 'Tam', 'Nguyen', 'Engineer', 'Contractor', true, 'Engineering', '1010'),
  p('ubrown', 'Uma', 'Brown', 'Support Engineer', 'Employee', true, 'Support', '1011'),
  p('vjones', 'Vera', 'Jones', 'Manager', 'Employee', true, 'Engineering', '1012'),
  p('wdavis', 'Walt', 'Davis', 'Engineer', 'Employee', true),
  p('xmiller', 'Xena', 'Miller', 'Sales Rep', 'Contractor', false, 'Sales', '1014'),
  p('ywilson', 'Yuri', 'Wilson', 'Engineer', 'Employee', true, 'Engineering', '0999'),
  p('zmoore', 'Zoe', 'Moore', 'Designer', 'Employee', true, 'Design', '1016'),
  p('ataylor', 'Ann', 'Taylor', 'Engineer', 'Intern', true, 'Engineering', '1017'),
  p('canderson', 'Carl', 'Anderson', undefined, 'Employee', true, 'Support', '1018'),
  { userName: 'nobody', userType: 'Employee', active: true },
]

function body(person: Person, i: number): Record<string, unknown> {
  const emails: Record<string, unknown>[] = []
  if (person.given !== undefined) {
    const home = i % 2 === 0
    // Every third user with a home address prefers it, so sorting by emails differs from userName.
    const homePrimary = home && i % 3 === 0
    emails.push({ value: `${person.userName}@example.com`, type: 'work', primary: !homePrimary })
    if (home) emails.push({ value: `h.${person.userName}@home.example.org`, type: 'home', primary: homePrimary })
    if (i % 5 === 0) emails.push({ value: `${person.userName}.alt@example.net`, type: 'other' })
  }
  const enterprise = {
    ...(person.department !== undefined && { department: person.department }),
    ...(person.employeeNumber !== undefined && { employeeNumber: person.employeeNumber }),
  }
  const hasEnterprise = Object.keys(enterprise).length > 0
  return {
    schemas: hasEnterprise ? [USER_SCHEMA, ENTERPRISE_SCHEMA] : [USER_SCHEMA],
    userName: person.userName,
    externalId: `Ext-${i}`,
    userType: person.userType,
    active: person.active,
    ...(person.given !== undefined && {
      name: { givenName: person.given, familyName: person.family, formatted: `${person.given} ${person.family}` },
      displayName: `${person.given} ${person.family}`,
    }),
    ...(person.title !== undefined && { title: person.title }),
    ...(emails.length && { emails }),
    ...(hasEnterprise && { [ENTERPRISE_SCHEMA]: enterprise }),
  }
}

const enc = encodeURIComponent
const fold = (v: any): any => (typeof v === 'string' ? v.toLowerCase() : v)
const emailsOf = (u: Resource): Resource[] => u.emails ?? []
const ent = (u: Resource) => u[ENTERPRISE_SCHEMA] ?? {}
const names = (resources: Resource[]) => resources.map((r) => r.userName)

/** RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first. */
const primaryEmail = (u: Resource): string | undefined =>
  (emailsOf(u).find((e) => e.primary === true) ?? emailsOf(u)[0])?.value?.toLowerCase()

/** Ascending with missing values last (RFC 7644 §3.4.2.3). */
function isSortedAscending(keys: (string | undefined)[]): boolean {
  for (let i = 1; i < keys.length; i++) {
    const a = keys[i - 1]
    const b = keys[i]
    if (a === undefined && b !== undefined) return false
    if (a !== undefined && b !== undefined && a > b) return false
  }
  return true
}

for (const { name, open } of STORES) {
  describe(`List and filter — RFC 7644 §3.4.2 [${name}]`, () => {
    let h: Harness
    let all: Resource[] = []
    const ids = new Map<string, string>()
    const groupIds = new Map<string, string>()
    let latestCreated = ''
    let earliestCreated = '9999'

    const list = async (query: string) => {
      const res = await h.scim('GET', `/Users?${query}`)
      assert.equal(res.status, 200, `${query}: ${res.text}`)
      return res.body
    }

    /** Compares the server's answer to the same filter evaluated here over the seeded users. */
    async function expectFilter(filter: string, predicate: (u: Resource) => boolean, options: { empty?: boolean } = {}) {
      const res = await h.scim('GET', `/Users?count=1000&filter=${enc(filter)}`)
      assert.equal(res.status, 200, `${filter}: ${res.text}`)
      const want = names(all.filter(predicate)).sort()
      if (options.empty) assert.equal(want.length, 0, `${filter}: the test expects no match`)
      else assert.ok(want.length > 0 && want.length < all.length, `${filter}: the test's predicate is not selective`)
      assert.deepEqual(names(res.body.Resources).sort(), want, filter)
      assert.equal(res.body.totalResults, want.length, filter)
    }

    async function expectGroups(filter: string, expected: string[]) {
      const res = await h.scim('GET', `/Groups?filter=${enc(filter)}`)
      assert.equal(res.status, 200, `${filter}: ${res.text}`)
      assert.deepEqual(res.body.Resources.map((g: Resource) => g.displayName).sort(), [...expected].sort(), filter)
      assert.equal(res.body.totalResults, expected.length)
    }

    before(async () => {
      h = await startHarness(open)
      for (const [i, person] of PEOPLE.entries()) {
        const res = await h.scim('POST', '/Users', body(person, i))
        assert.equal(res.status, 201, res.text)
        ids.set(person.userName, res.body.id)
        if (res.body.meta.created > latestCreated) latestCreated = res.body.meta.created
        if (res.body.meta.created < earliestCreated) earliestCreated = res.body.meta.created
      }
      const engineers = PEOPLE.filter((x) => x.department === 'Engineering').map((x) => ({ value: ids.get(x.userName) }))
      const eng = await h.scim('POST', '/Groups', group('Engineering Team', { members: engineers }))
      assert.equal(eng.status, 201, eng.text)
      groupIds.set('eng', eng.body.id)
      const sellers = PEOPLE.filter((x) => x.department === 'Sales').map((x) => ({ value: ids.get(x.userName) }))
      const sales = await h.scim('POST', '/Groups', group('Sales Team', { members: [...sellers, { value: eng.body.id }] }))
      assert.equal(sales.status, 201, sales.text)
      groupIds.set('sales', sales.body.id)
      const empty = await h.scim('POST', '/Groups', group('Empty Team'))
      assert.equal(empty.status, 201, empty.text)
      // One user modified after everyone was created, for meta.lastModified.
      await new Promise((resolve) => setTimeout(resolve, 15))
      const touched = await h.scim('PATCH', `/Users/${ids.get('kwong')}`, patch({ op: 'add', path: 'nickName', value: 'K' }))
      assert.equal(touched.status, 200, touched.text)
      all = (await list('count=1000')).Resources
      assert.equal(all.length, PEOPLE.length)
    })
    after(() => h.close())

    test('eq, ne, co, sw, ew on strings; userName is case-insensitive', async () => {
      await expectFilter('userName eq "bjensen"', (u) => u.userName === 'bjensen')
      await expectFilter('userName eq "BJensen"', (u) => u.userName === 'bjensen')
      await expectFilter('userName ne "bjensen"', (u) => u.userName !== 'bjensen')
      await expectFilter('userType ne "Employee"', (u) => u.userType !== 'Employee')
      await expectFilter('userName co "SMITH"', (u) => u.userName.includes('smith'))
      await expectFilter('userName sw "J"', (u) => u.userName.startsWith('j'))
      await expectFilter('userName ew "Doe"', (u) => u.userName.endsWith('doe'))
      await expectFilter('title co "engineer"', (u) => fold(u.title)?.includes('engineer') === true)
      await expectFilter('name.familyName eq "smith"', (u) => fold(u.name?.familyName) === 'smith')
      await expectFilter('name.givenName eq "John"', (u) => u.name?.givenName === 'John')
    })

    test('gt, ge, lt, le on strings compare case-insensitively', async () => {
      await expectFilter('userName gt "M"', (u) => u.userName > 'm')
      await expectFilter('userName ge "mdoe"', (u) => u.userName >= 'mdoe')
      await expectFilter('userName lt "c"', (u) => u.userName < 'c')
      await expectFilter('userName le "CANDERSON"', (u) => u.userName <= 'canderson')
      await expectFilter('name.familyName ge "s"', (u) => u.name !== undefined && fold(u.name.familyName) >= 's')
    })

    test('pr: present means a non-empty value', async () => {
      await expectFilter('title pr', (u) => u.title !== undefined)
      await expectFilter('emails pr', (u) => emailsOf(u).length > 0)
      await expectFilter('name.givenName pr', (u) => u.name?.givenName !== undefined)
      await expectFilter('nickName pr', (u) => u.nickName !== undefined)
    })

    test('booleans: active eq true / false, ne', async () => {
      await expectFilter('active eq false', (u) => u.active === false)
      await expectFilter('active eq true', (u) => u.active === true)
      await expectFilter('active ne true', (u) => u.active !== true)
      await expectFilter('active eq FALSE', (u) => u.active === false)
    })

    test('and, or, not, parentheses; and binds tighter than or', async () => {
      await expectFilter(
        'title eq "Engineer" or userType eq "Contractor" and active eq false',
        (u) => u.title === 'Engineer' || (u.userType === 'Contractor' && u.active === false),
      )
      await expectFilter(
        '(title eq "Engineer" or userType eq "Contractor") and active eq false',
        (u) => (u.title === 'Engineer' || u.userType === 'Contractor') && u.active === false,
      )
      await expectFilter('not (active eq true)', (u) => u.active !== true)
      // An absent title is not "Engineer", so `not` keeps users without a title.
      await expectFilter(
        'userType eq "Employee" and not (title eq "Engineer")',
        (u) => u.userType === 'Employee' && u.title !== 'Engineer',
      )
      await expectFilter(
        'not (userName sw "a" or userName sw "s") and active eq false',
        (u) => !(u.userName.startsWith('a') || u.userName.startsWith('s')) && u.active === false,
      )
      await expectFilter(
        'userName eq "jsmith" or userName eq "mdoe" or userName eq "rchen"',
        (u) => ['jsmith', 'mdoe', 'rchen'].includes(u.userName),
      )
      await expectFilter(
        'name.familyName eq "Smith" and name.givenName eq "Alice"',
        (u) => u.userName === 'asmith',
      )
      await expectFilter('((active eq false))', (u) => u.active === false)
    })

    test('operators, keywords and attribute names are case-insensitive', async () => {
      await expectFilter('userName EQ "bjensen" AND active Eq true', (u) => u.userName === 'bjensen')
      await expectFilter('USERNAME eq "bjensen"', (u) => u.userName === 'bjensen')
      await expectFilter('Name.FamilyName eq "Jensen"', (u) => u.userName === 'bjensen')
      await expectFilter('NOT (active eq true) Or userName eq "bjensen"', (u) => u.active === false || u.userName === 'bjensen')
    })

    test('value paths and multi-valued sub-attributes', async () => {
      await expectFilter(
        'emails[type eq "home" and value co "HOME.example"]',
        (u) => emailsOf(u).some((e) => e.type === 'home' && e.value.includes('home.example')),
      )
      await expectFilter('emails[type eq "other"]', (u) => emailsOf(u).some((e) => e.type === 'other'))
      await expectFilter(
        'emails[primary eq true and type eq "home"]',
        (u) => emailsOf(u).some((e) => e.primary === true && e.type === 'home'),
      )
      await expectFilter('emails.type eq "other"', (u) => emailsOf(u).some((e) => e.type === 'other'))
      await expectFilter('emails.value ew ".NET"', (u) => emailsOf(u).some((e) => e.value.endsWith('.net')))
      await expectFilter(
        'emails[type eq "work" and value sw "j"] and active eq true',
        (u) => emailsOf(u).some((e) => e.type === 'work' && e.value.startsWith('j')) && u.active === true,
      )
    })

    test('`emails eq "x"` compares the value sub-attribute of a complex multi-valued attribute', async () => {
      await expectFilter('emails eq "jsmith@example.com"', (u) => u.userName === 'jsmith')
      await expectFilter('emails eq "JSMITH@EXAMPLE.COM"', (u) => u.userName === 'jsmith')
      await expectFilter('emails co "@home.example.org"', (u) => emailsOf(u).some((e) => e.type === 'home'))
    })

    test('URN-qualified core and extension attributes', async () => {
      await expectFilter(`${USER_SCHEMA}:userName eq "bjensen"`, (u) => u.userName === 'bjensen')
      await expectFilter(`${USER_SCHEMA}:name.familyName eq "Doe"`, (u) => u.name?.familyName === 'Doe')
      await expectFilter(`${ENTERPRISE_SCHEMA}:department eq "sales"`, (u) => ent(u).department === 'Sales')
      await expectFilter(
        `${ENTERPRISE_SCHEMA}:employeeNumber ge "1010"`,
        (u) => ent(u).employeeNumber !== undefined && ent(u).employeeNumber >= '1010',
      )
      await expectFilter(`${ENTERPRISE_SCHEMA}:employeeNumber pr`, (u) => ent(u).employeeNumber !== undefined)
      await expectFilter(
        `${ENTERPRISE_SCHEMA.toUpperCase()}:DEPARTMENT eq "Design" or ${ENTERPRISE_SCHEMA}:department eq "Support"`,
        (u) => ['Design', 'Support'].includes(ent(u).department),
      )
      await expectFilter(
        `not (${ENTERPRISE_SCHEMA}:department eq "Engineering")`,
        (u) => ent(u).department !== 'Engineering',
      )
    })

    test('externalId and id are caseExact; userName is not', async () => {
      await expectFilter('externalId eq "Ext-3"', (u) => u.externalId === 'Ext-3')
      await expectFilter('externalId eq "ext-3"', () => false, { empty: true })
      await expectFilter('externalId sw "Ext-1"', (u) => u.externalId.startsWith('Ext-1'))
      await expectFilter('externalId sw "EXT-1"', () => false, { empty: true })
      const id = ids.get('bjensen')!
      await expectFilter(`id eq "${id}"`, (u) => u.id === id)
      assert.notEqual(id.toUpperCase(), id)
      await expectFilter(`id eq "${id.toUpperCase()}"`, () => false, { empty: true })
    })

    test('meta.created and meta.lastModified compare as dateTimes', async () => {
      const pivot = all.find((u) => u.userName === 'kwong').meta.created as string
      await expectFilter(`meta.created gt "${pivot}"`, (u) => u.meta.created > pivot)
      await expectFilter(`meta.created le "${pivot}"`, (u) => u.meta.created <= pivot)
      await expectFilter(`meta.lastModified gt "${latestCreated}"`, (u) => u.userName === 'kwong')
      await expectFilter(
        `meta.lastModified ge "${earliestCreated}" and meta.lastModified le "${latestCreated}"`,
        (u) => u.userName !== 'kwong',
      )
    })

    test('groups.value and groups.display filter users by membership', async () => {
      const eng = groupIds.get('eng')!
      await expectFilter(`groups.value eq "${eng}"`, (u) => ent(u).department === 'Engineering')
      await expectFilter('groups.display eq "sales team"', (u) => ent(u).department === 'Sales')
      await expectFilter('groups pr', (u) => ['Engineering', 'Sales'].includes(ent(u).department))
      await expectFilter(`groups[value eq "${eng}"] and active eq false`, (u) => ent(u).department === 'Engineering' && !u.active)
    })

    test('Groups: members.value, members[...], displayName, members pr', async () => {
      await expectGroups(`members.value eq "${ids.get('jsmith')}"`, ['Engineering Team'])
      await expectGroups(`members.value eq "${groupIds.get('eng')}"`, ['Sales Team'])
      await expectGroups(`members[value eq "${ids.get('mdoe')}"]`, ['Sales Team'])
      await expectGroups('members[type eq "Group"]', ['Sales Team'])
      await expectGroups('displayName eq "SALES TEAM"', ['Sales Team'])
      await expectGroups('displayName sw "E"', ['Engineering Team', 'Empty Team'])
      await expectGroups('members pr', ['Engineering Team', 'Sales Team'])
      await expectGroups('not (members pr)', ['Empty Team'])
      const bad = await h.scim('GET', `/Groups?filter=${enc('userName eq "x"')}`)
      assert.equal(bad.status, 400)
      assert.equal(bad.body.scimType, 'invalidFilter')
    })

    test('sortBy userName, ascending and descending', async () => {
      const sorted = names(all).sort()
      assert.deepEqual(names((await list('sortBy=userName')).Resources), sorted)
      assert.deepEqual(names((await list('sortBy=userName&sortOrder=ascending')).Resources), sorted)
      assert.deepEqual(names((await list('sortBy=userName&sortOrder=descending')).Resources), [...sorted].reverse())
      assert.deepEqual(names((await list('sortBy=USERNAME')).Resources), sorted)
    })

    test('sortBy name.familyName: case-insensitive, missing values last when ascending, first when descending', async () => {
      const asc = (await list('sortBy=name.familyName')).Resources as Resource[]
      assert.equal(asc.length, all.length)
      assert.ok(isSortedAscending(asc.map((u) => fold(u.name?.familyName))), names(asc).join())
      assert.equal(asc.at(-1).userName, 'nobody')
      const desc = (await list('sortBy=name.familyName&sortOrder=descending')).Resources as Resource[]
      assert.ok(isSortedAscending(desc.map((u) => fold(u.name?.familyName)).reverse()), names(desc).join())
      assert.equal(desc[0].userName, 'nobody')
    })

    test('sortBy emails sorts by the primary email (RFC 7644 §3.4.2.3)', async () => {
      const asc = (await list('sortBy=emails')).Resources as Resource[]
      const keys = asc.map(primaryEmail)
      assert.ok(isSortedAscending(keys), keys.join())
      assert.notDeepEqual(names(asc), names(all).sort(), 'the seed must make email order differ from userName order')
      const desc = (await list('sortBy=emails&sortOrder=descending')).Resources as Resource[]
      assert.ok(isSortedAscending(desc.map(primaryEmail).reverse()))
    })

    test('sortBy meta.lastModified descending puts the last modified first; filter and sort combine', async () => {
      assert.equal((await list('sortBy=meta.lastModified&sortOrder=descending')).Resources[0].userName, 'kwong')
      const inactive = await list(`filter=${enc('active eq false')}&sortBy=userName&sortOrder=descending`)
      assert.deepEqual(names(inactive.Resources), names(all.filter((u) => !u.active)).sort().reverse())
    })

    test('sortBy an unknown attribute is 400', async () => {
      const res = await h.scim('GET', '/Users?sortBy=shoeSize')
      assert.equal(res.status, 400, res.text)
    })

    test('startIndex/count paging: pages add up to the whole sorted list', async () => {
      const sorted = names(all).sort()
      const seen: string[] = []
      for (let start = 1; start <= all.length; start += 6) {
        const page = await list(`sortBy=userName&startIndex=${start}&count=6`)
        assert.deepEqual(page.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse'])
        assert.equal(page.totalResults, all.length)
        assert.equal(page.startIndex, start)
        assert.equal(page.itemsPerPage, page.Resources.length)
        assert.equal(page.Resources.length, Math.min(6, all.length - start + 1))
        seen.push(...names(page.Resources))
      }
      assert.deepEqual(seen, sorted)
    })

    test('paging without sortBy is still a stable order: every user once across pages', async () => {
      const seen: string[] = []
      for (let start = 1; start <= all.length; start += 7) seen.push(...names((await list(`startIndex=${start}&count=7`)).Resources))
      assert.equal(seen.length, all.length)
      assert.deepEqual([...seen].sort(), names(all).sort())
    })

    test('paging with a filter counts the filtered set', async () => {
      const active = names(all.filter((u) => u.active)).sort()
      const page = await list(`filter=${enc('active eq true')}&sortBy=userName&startIndex=2&count=3`)
      assert.equal(page.totalResults, active.length)
      assert.deepEqual(names(page.Resources), active.slice(1, 4))
      assert.equal(page.startIndex, 2)
      assert.equal(page.itemsPerPage, 3)
    })

    test('count=0 gives totalResults only, with Resources: []', async () => {
      const page = await list('count=0')
      assert.equal(page.totalResults, all.length)
      assert.deepEqual(page.Resources, [])
      assert.equal(page.itemsPerPage, 0)
      const filtered = await list(`count=0&filter=${enc('active eq false')}`)
      assert.equal(filtered.totalResults, all.filter((u) => !u.active).length)
    })

    test('startIndex beyond the end gives an empty page with the right totalResults', async () => {
      const page = await list('startIndex=500&count=10')
      assert.equal(page.totalResults, all.length)
      assert.deepEqual(page.Resources, [])
      assert.equal(page.startIndex, 500)
    })

    test('startIndex below 1 is read as 1; a negative count as 0 (RFC 7644 §3.4.2.4)', async () => {
      const zero = await list('startIndex=0&count=2&sortBy=userName')
      assert.equal(zero.startIndex, 1)
      assert.deepEqual(names(zero.Resources), names(all).sort().slice(0, 2))
      const negative = await list('startIndex=-4&count=2&sortBy=userName')
      assert.equal(negative.startIndex, 1)
      const none = await list('count=-1')
      assert.deepEqual(none.Resources, [])
      assert.equal(none.totalResults, all.length)
    })

    test('a list without parameters has the defaults: startIndex 1, all 20 users', async () => {
      const page = await list('')
      assert.equal(page.startIndex, 1)
      assert.equal(page.totalResults, all.length)
      assert.equal(page.itemsPerPage, all.length)
      for (const u of page.Resources) assert.ok(u.id && u.meta?.location, 'every resource has id and meta')
    })

    test('invalid startIndex or count is 400', async () => {
      for (const query of ['startIndex=abc', 'count=abc', 'count=1.5', 'startIndex=1e2x']) {
        const res = await h.scim('GET', `/Users?${query}`)
        assert.equal(res.status, 400, `${query}: ${res.text}`)
        assert.equal(res.body.status, '400')
        assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
      }
    })

    test('invalid filters are 400 invalidFilter naming the position', async () => {
      const cases = [
        '(userName eq "a"',
        'userName eq "a")',
        'userName equals "a"',
        'shoeSize eq "42"',
        'active gt true',
        'userName eq "abc',
        'userName eq',
        'emails[type eq "work"',
        'and userName eq "a"',
        'userName eq "a" and',
        'userName pr "x"',
        'name eq "x"',
        'meta.created gt "yesterday"',
        'userName eq "a" userName eq "b"',
      ]
      for (const filter of cases) {
        const res = await h.scim('GET', `/Users?filter=${enc(filter)}`)
        assert.equal(res.status, 400, `${filter}: ${res.text}`)
        assert.equal(res.body.scimType, 'invalidFilter', filter)
        assert.match(res.body.detail, /position \d+/, `${filter}: ${res.body.detail}`)
      }
    })

    test('Entra test connection: userName eq "non-existent user" is 200 with an empty ListResponse', async () => {
      const page = await list(`filter=${enc('userName eq "non-existent user"')}`)
      assert.equal(page.totalResults, 0)
      assert.deepEqual(page.Resources, [])
      assert.deepEqual(page.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse'])
    })
  })

  describe(`List limits — RFC 7644 §3.4.2.4 [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open, { maxResults: 5, defaultCount: 3 })
      for (let i = 0; i < 8; i++) assert.equal((await h.scim('POST', '/Users', user(`limit${i}`))).status, 201)
    })
    after(() => h.close())

    test('count above the server maximum is capped', async () => {
      const res = await h.scim('GET', '/Users?count=5000')
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.totalResults, 8)
      assert.equal(res.body.Resources.length, 5)
      assert.equal(res.body.itemsPerPage, 5)
    })

    test('no count gives the default page size', async () => {
      const res = await h.scim('GET', '/Users')
      assert.equal(res.body.totalResults, 8)
      assert.equal(res.body.Resources.length, 3)
    })
  })
}

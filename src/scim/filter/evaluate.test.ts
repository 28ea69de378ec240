import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { attribute } from '../schema/attribute.js'
import { defaultRegistry } from '../schema/resource-types.js'
import { evaluate, evaluateElement } from './evaluate.js'
import { parseFilter } from './parse-filter.js'

const registry = defaultRegistry()
const users = registry.require('User')
const groups = registry.require('Group')
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

/** RFC 7643 §8.2's full user, as a server returns it. */
const bjensen: Record<string, unknown> = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: '701984',
  userName: 'bjensen@example.com',
  name: {
    formatted: 'Ms. Barbara J Jensen, III',
    familyName: "O'Malley",
    givenName: 'Barbara',
    middleName: 'Jane',
  },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', primary: true }],
  roles: [],
  x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
  groups: [{ value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Tour Guides', type: 'direct' }],
  [ENTERPRISE]: {
    employeeNumber: '701984',
    costCenter: '4130',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff591"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
}

const intern: Record<string, unknown> = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'c3a1',
  userName: 'Jintern',
  userType: 'Intern',
  title: '',
  active: false,
  emails: [{ value: 'jintern@example.org', type: 'work' }],
  ims: [{ value: 'jintern@foo.com', type: 'xmpp' }],
  meta: { resourceType: 'User', created: '2011-05-13T04:42:34Z', lastModified: '2011-05-14T00:00:00+02:00' },
}

const tourGuides: Record<string, unknown> = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  externalId: 'Tour-Guides',
  members: [
    { value: '2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen', type: 'User' },
    { value: '902c246b-6245-4190-8e05-00816be7344a', display: 'Mandy Pepperidge', type: 'User' },
  ],
  meta: { resourceType: 'Group', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z' },
}

const matches = (filter: string, resource: Record<string, unknown> = bjensen, schema = users) =>
  evaluate(parseFilter(filter), resource, schema)

const yes = (filter: string, resource?: Record<string, unknown>, schema = users) =>
  assert.equal(matches(filter, resource, schema), true, filter)
const no = (filter: string, resource?: Record<string, unknown>, schema = users) =>
  assert.equal(matches(filter, resource, schema), false, filter)

describe('evaluate: RFC 7644 §3.4.2.2 example filters', () => {
  const cases: [string, boolean, boolean][] = [
    // filter, matches bjensen, matches the intern
    ['userName eq "bjensen"', false, false],
    ['userName eq "bjensen@example.com"', true, false],
    [`name.familyName co "O'Malley"`, true, false],
    ['userName sw "J"', false, true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', false, true],
    ['title pr', true, false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false, true],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true, true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false, false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true, false],
    ['title pr and userType eq "Employee"', true, false],
    ['title pr or userType eq "Intern"', true, true],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true, false],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true, false],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false, false],
    ['userType eq "Employee" and (emails.type eq "work")', true, false],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true, false],
    ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', true, true],
  ]
  for (const [filter, forBjensen, forIntern] of cases) {
    test(filter, () => {
      assert.equal(matches(filter, bjensen), forBjensen, 'bjensen')
      assert.equal(matches(filter, intern), forIntern, 'intern')
    })
  }
})

describe('evaluate: semantics', () => {
  test('string comparison ignores case unless caseExact', () => {
    yes('userName eq "BJENSEN@example.COM"')
    yes('name.givenName sw "bar"')
    yes('displayName ew "JENSEN"')
    // RFC 7643 §3.1: id and externalId are caseExact.
    yes('id eq "2819c223-7f76-453a-919d-413861904646"')
    no('id eq "2819C223-7F76-453A-919D-413861904646"')
    yes('meta.resourceType eq "User"')
    no('meta.resourceType eq "user"')
  })

  test('folding is Unicode-aware and NFC-normalised, like the store', () => {
    yes('displayName eq "ÅSA"', { displayName: 'A\u030asa' })
    yes('name.givenName co "ÖR"', { name: { givenName: 'Jörg' } })
  })

  test('attribute names in the path are case-insensitive', () => {
    yes('USERNAME eq "bjensen@example.com"')
    yes('Name.FamilyName co "malley"')
    yes('EMAILS[TYPE eq "work"]')
    yes('urn:ietf:params:scim:schemas:core:2.0:user:userName pr')
    yes('URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:employeeNumber eq "701984"')
  })

  test('a multi-valued attribute matches if any value matches', () => {
    yes('emails.value eq "babs@jensen.org"')
    yes('emails.type eq "home"')
    no('emails.type eq "other"')
    yes('schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"')
  })

  test('a complex multi-valued attribute without a sub-attribute compares its value', () => {
    yes('emails eq "bjensen@example.com"')
    yes('emails co "jensen.org"')
    no('emails eq "work"')
    yes('members eq "902c246b-6245-4190-8e05-00816be7344a"', tourGuides, groups)
    yes('groups eq "e9e30dba-f08f-4109-8486-d5c6a331660a"')
  })

  test('a single-valued complex attribute with a value compares its value', () => {
    yes(`${ENTERPRISE}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`)
  })

  test('value paths require one element to match every condition', () => {
    yes('emails[type eq "work" and value ew "example.com"]')
    no('emails[type eq "home" and value ew "example.com"]')
    yes('emails.type eq "home" and emails.value ew "example.com"')
    yes('emails[not (type eq "work")]')
    yes('addresses[type eq "work" and primary eq true]')
    yes('members[display sw "mandy"]', tourGuides, groups)
    no('members[display sw "mandy" and value eq "2819c223-7f76-453a-919d-413861904646"]', tourGuides, groups)
    no('roles[value pr]')
  })

  test('pr is false for null, missing, "" and []', () => {
    const doc = { ...intern, nickName: null, roles: [], emails: [{ value: '' }], name: {} }
    no('title pr', doc)
    no('nickName pr', doc)
    no('displayName pr', doc)
    no('roles pr', doc)
    no('emails pr', doc)
    no('emails.value pr', doc)
    no('name pr', doc)
    yes('name pr')
    yes('emails pr')
    yes('active pr', intern)
    yes('x509Certificates pr')
    no('name.honorificPrefix pr')
  })

  test('ne matches a missing attribute and any differing value', () => {
    yes('nickName ne "Babs"')
    yes('userName ne "someone"')
    no('userName ne "BJENSEN@example.com"')
    yes('emails.type ne "work"')
    no('ims.type ne "aim"')
    yes('not (nickName eq "Babs")')
  })

  test('eq null means no value and ne null has one', () => {
    yes('nickName eq null')
    no('title eq null')
    yes('title eq null', intern)
    yes('title ne null')
    no('nickName ne null')
    no('title gt null')
  })

  test('booleans, including Entra\'s "True"/"False" strings', () => {
    yes('active eq true')
    no('active eq false')
    yes('active eq "True"')
    yes('active eq "false"', intern)
    yes('emails[primary eq "TRUE"]')
    no('active eq "yes"')
    no('active gt false')
    yes('active ne false')
  })

  test('dateTime compares instants, whatever the offset or precision', () => {
    yes('meta.lastModified eq "2011-05-13T06:42:34+02:00"')
    yes('meta.lastModified eq "2011-05-13T04:42:34.000Z"')
    yes('meta.lastModified lt "2011-05-13T04:42:34.001Z"')
    yes('meta.lastModified gt "2011-05-13T00:00:00-04:00"', intern)
    yes('meta.lastModified lt "2011-05-14T00:00:00Z"', intern)
    yes('meta.created eq "2010-01-23T04:56:22"')
    no('meta.created eq "not a date"')
    no('meta.created gt 5')
  })

  test('strings order lexicographically after folding', () => {
    yes('userName gt "BJ"')
    yes('userName lt "C"')
    yes('displayName ge "babs jensen"')
    yes('displayName le "Babs Jensen"')
    no('userName gt "bk"')
  })

  test('extension attributes are read under the extension URN', () => {
    yes(`${ENTERPRISE}:employeeNumber eq "701984"`)
    yes(`${ENTERPRISE}:manager.displayName sw "john"`)
    yes(`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`)
    no(`${ENTERPRISE}:department pr`, intern)
    yes(`${ENTERPRISE}:employeeNumber ne "1"`, intern)
  })

  test('core names do not reach into extensions', () => {
    no('employeeNumber pr')
    no('department eq "Tour Operations"')
  })

  test('numbers compare numerically', () => {
    const schema = registry.require('User')
    const withCount = { ...bjensen, [ENTERPRISE]: { employeeNumber: '9' } }
    // employeeNumber is a string: numbers never equal strings.
    assert.equal(evaluate(parseFilter(`${ENTERPRISE}:employeeNumber eq 9`), withCount, schema), false)
    const parent = attribute('scores', 'integer', 'test', { multiValued: true })
    assert.equal(evaluateElement(parseFilter('value gt 9'), 10, parent), true)
    assert.equal(evaluateElement(parseFilter('value gt 10'), 10, parent), false)
    assert.equal(evaluateElement(parseFilter('value eq 1e1'), 10, parent), true)
    assert.equal(evaluateElement(parseFilter('value co 1'), 10, parent), false)
  })

  test('group filters', () => {
    yes('displayName eq "tour guides"', tourGuides, groups)
    yes('externalId eq "Tour-Guides"', tourGuides, groups)
    no('externalId eq "tour-guides"', tourGuides, groups)
    yes('members.value eq "2819c223-7f76-453a-919d-413861904646"', tourGuides, groups)
    yes('members[type eq "user"]', tourGuides, groups)
    yes('urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr', tourGuides, groups)
    no('urn:ietf:params:scim:schemas:core:2.0:User:displayName pr', tourGuides, groups)
  })

  test('unknown attributes match nothing (checkFilter rejects them first)', () => {
    no('nosuch eq "x"')
    no('nosuch pr')
    yes('nosuch ne "x"')
    no('name.nosuch eq "x"')
    no('nosuch[value eq "x"]')
  })

  test('documents that are not canonical are read by any case of the key', () => {
    yes('userName eq "x"', { username: 'X' })
    yes('emails[type eq "work"]', { Emails: [{ Type: 'Work' }] })
  })

  test('inherited properties are never read', () => {
    no('displayName pr', Object.create({ displayName: 'x' }) as Record<string, unknown>)
    no('toString pr', {})
  })

  test('values of the wrong shape do not throw', () => {
    no('emails.value eq "x"', { emails: 'x' })
    no('name.givenName eq "x"', { name: ['x'] })
    no('emails[type eq "work"]', { emails: [null, 'work', 5, { type: 5 }] })
    no('active eq true', { active: 1 })
  })
})

describe('evaluateElement', () => {
  const emails = users.attribute('emails')!.attribute
  const members = groups.attribute('members')!.attribute

  test('reads the sub-attributes of one item', () => {
    const work = { value: 'bjensen@example.com', type: 'work', primary: true }
    assert.equal(evaluateElement(parseFilter('type eq "WORK" and primary eq true'), work, emails), true)
    assert.equal(evaluateElement(parseFilter('type eq "home"'), work, emails), false)
    assert.equal(evaluateElement(parseFilter('display pr'), work, emails), false)
    assert.equal(evaluateElement(parseFilter('display ne "x"'), work, emails), true)
  })

  test('members[value eq "..."] is caseExact', () => {
    const member = { value: 'a1B2' }
    assert.equal(evaluateElement(parseFilter('value eq "a1B2"'), member, members), true)
    assert.equal(evaluateElement(parseFilter('value eq "A1b2"'), member, members), false)
  })

  test('for a list of simple values, value is the item itself', () => {
    const parent = attribute('tags', 'string', 'test', { multiValued: true })
    assert.equal(evaluateElement(parseFilter('value eq "RED"'), 'red', parent), true)
    assert.equal(evaluateElement(parseFilter('value sw "b"'), 'red', parent), false)
    assert.equal(evaluateElement(parseFilter('other eq "red"'), 'red', parent), false)
  })

  test('unknown sub-attributes are absent', () => {
    assert.equal(evaluateElement(parseFilter('nosuch pr'), { nosuch: 'x' }, emails), false)
  })
})

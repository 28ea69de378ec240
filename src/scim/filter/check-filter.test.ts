import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isScimError } from '../errors.js'
import { defaultRegistry } from '../schema/resource-types.js'
import { checkFilter, filterAttributes } from './check-filter.js'
import { parseFilter } from './parse-filter.js'

const registry = defaultRegistry()
const users = registry.require('User')
const groups = registry.require('Group')
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

const accepts = (filter: string, schema = users) => assert.doesNotThrow(() => checkFilter(parseFilter(filter), schema), filter)

const rejects = (filter: string, detail: string, schema = users) =>
  assert.throws(() => checkFilter(parseFilter(filter), schema), (e: unknown) => {
    assert.ok(isScimError(e))
    assert.equal(e.status, 400)
    assert.equal(e.scimType, 'invalidFilter')
    assert.equal(e.detail, detail)
    return true
  })

describe('checkFilter', () => {
  test('accepts the RFC 7644 §3.4.2.2 example filters', () => {
    for (const filter of [
      'userName eq "bjensen"',
      `name.familyName co "O'Malley"`,
      'userName sw "J"',
      'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
      'title pr',
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      'meta.lastModified ge "2011-05-13T04:42:34Z"',
      'meta.lastModified lt "2011-05-13T04:42:34Z"',
      'meta.lastModified le "2011-05-13T04:42:34Z"',
      'title pr and userType eq "Employee"',
      'title pr or userType eq "Intern"',
      'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      'userType eq "Employee" and (emails.type eq "work")',
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    ]) {
      accepts(filter)
    }
  })

  test('accepts what IdPs send', () => {
    accepts('externalId eq jyoung')
    accepts('userName eq "x" and active eq true')
    accepts('active eq "True"')
    accepts('emails[primary eq "False"]')
    accepts('displayName eq "Tour Guides"', groups)
    accepts('members[value eq "2819c223"]', groups)
    accepts('id eq "x" or externalId eq "y"', groups)
  })

  test('accepts names in any case, extensions, common attributes and null', () => {
    accepts('USERNAME eq "x"')
    accepts(`${ENTERPRISE}:manager.value eq "x"`)
    accepts(`${ENTERPRISE}:manager eq "x"`)
    accepts(`${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER pr`)
    accepts('meta.created lt "2011-05-13T04:42:34.5+02:00"')
    accepts('meta pr and name pr and addresses pr')
    accepts('title eq null and nickName ne null')
    accepts('groups.display co "x"')
    accepts('x509Certificates.value eq "TUlJ"')
  })

  test('unknown attributes and sub-attributes', () => {
    rejects('nosuch eq "x"', "filter: unknown attribute 'nosuch' for resource type 'User' at position 0")
    rejects('title pr and name.nosuch pr', "filter: unknown sub-attribute 'nosuch' of 'name' for resource type 'User' at position 13")
    rejects('emails[nosuch eq "x"]', "filter: unknown sub-attribute 'nosuch' of 'emails' for resource type 'User' at position 7")
    rejects('members pr', "filter: unknown attribute 'members' for resource type 'User' at position 0")
    rejects('userName eq "x"', "filter: unknown attribute 'userName' for resource type 'Group' at position 0", groups)
    rejects('employeeNumber eq "1"', "filter: unknown attribute 'employeeNumber' for resource type 'User' at position 0")
    rejects(`urn:example:nosuch:1.0:User:x pr`, "filter: unknown attribute 'urn:example:nosuch:1.0:User:x' for resource type 'User' at position 0")
    rejects(`${ENTERPRISE} pr`, "filter: unknown attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' for resource type 'User' at position 0")
    rejects('userName.x eq "y"', "filter: 'userName' is not complex and has no sub-attribute 'x' at position 0")
    rejects('schemas.value pr', "filter: 'schemas' is not complex and has no sub-attribute 'value' at position 0")
  })

  test('password and other never-returned attributes cannot be filtered on', () => {
    rejects('password eq "hunter2"', "filter: 'password' cannot be used in a filter at position 0")
    rejects('userName pr and PASSWORD pr', "filter: 'password' cannot be used in a filter at position 16")
    rejects('password sw "a"', "filter: 'password' cannot be used in a filter at position 0")
  })

  test('operators the attribute type does not allow', () => {
    rejects('active gt true', "filter: 'gt' cannot be used on the boolean attribute 'active' at position 0")
    rejects('emails[primary le false]', "filter: 'le' cannot be used on the boolean attribute 'emails.primary' at position 7")
    rejects('x509Certificates.value lt "x"', "filter: 'lt' cannot be used on the binary attribute 'x509Certificates.value' at position 0")
    rejects('x509Certificates ge "x"', "filter: 'ge' cannot be used on the binary attribute 'x509Certificates' at position 0")
    rejects('active co "t"', "filter: 'co' cannot be used on the boolean attribute 'active' at position 0")
    rejects('meta.created sw "2011"', "filter: 'sw' cannot be used on the dateTime attribute 'meta.created' at position 0")
    rejects('meta.lastModified ew "Z"', "filter: 'ew' cannot be used on the dateTime attribute 'meta.lastModified' at position 0")
    rejects('title gt null', "filter: 'gt' cannot compare with null at position 0")
    rejects('title co null', "filter: 'co' cannot compare with null at position 0")
  })

  test('values whose type does not fit the attribute', () => {
    rejects('userName eq 42', "filter: 42 is not a valid string value for 'userName' at position 0")
    rejects('userName eq true', "filter: true is not a valid string value for 'userName' at position 0")
    rejects('active eq "abc"', `filter: "abc" is not a valid boolean value for 'active' at position 0`)
    rejects('active eq 1', "filter: 1 is not a valid boolean value for 'active' at position 0")
    rejects('meta.created gt "yesterday"', `filter: "yesterday" is not a valid dateTime value for 'meta.created' at position 0`)
    rejects('meta.created gt "2011-02-30T00:00:00Z"', `filter: "2011-02-30T00:00:00Z" is not a valid dateTime value for 'meta.created' at position 0`)
    rejects('meta.created gt 1300000000', "filter: 1300000000 is not a valid dateTime value for 'meta.created' at position 0")
    rejects('emails eq 5', "filter: 5 is not a valid string value for 'emails' at position 0")
    rejects('members[value eq 5]', "filter: 5 is not a valid string value for 'members.value' at position 8", groups)
  })

  test('complex attributes without a value sub-attribute cannot be compared', () => {
    rejects('name eq "x"', "filter: 'name' is complex and has no 'value' sub-attribute; compare one of its sub-attributes at position 0")
    rejects('meta co "x"', "filter: 'meta' is complex and has no 'value' sub-attribute; compare one of its sub-attributes at position 0")
    rejects('addresses eq "x"', "filter: 'addresses' is complex and has no 'value' sub-attribute; compare one of its sub-attributes at position 0")
  })

  test('value paths need a multi-valued complex attribute', () => {
    rejects('name[givenName eq "x"]', "filter: 'name' is not a multi-valued complex attribute, so it cannot take a value filter at position 0")
    rejects('userName[value eq "x"]', "filter: 'userName' is not a multi-valued complex attribute, so it cannot take a value filter at position 0")
    rejects('schemas[value eq "x"]', "filter: 'schemas' is not a multi-valued complex attribute, so it cannot take a value filter at position 0")
    rejects('title pr or nosuch[value eq "x"]', "filter: unknown attribute 'nosuch' for resource type 'User' at position 12")
  })

  test('trees built by code are checked too', () => {
    const inner = parseFilter('type eq "work"')
    const nested = { kind: 'valuePath', path: { name: 'emails' }, filter: { kind: 'valuePath', path: { name: 'type' }, filter: inner, position: 7 }, position: 0 } as const
    assert.throws(() => checkFilter(nested, users), { detail: 'filter: nested value paths are not allowed at position 7' })
    const withSub = { kind: 'valuePath', path: { name: 'emails', subAttr: 'value' }, filter: inner, position: 0 } as const
    assert.throws(() => checkFilter(withSub, users), { scimType: 'invalidFilter' })
    const uriInside = { kind: 'valuePath', path: { name: 'emails' }, filter: { kind: 'present', path: { uri: 'urn:x:y', name: 'type' }, position: 7 }, position: 0 } as const
    assert.throws(() => checkFilter(uriInside, users), { scimType: 'invalidFilter' })
  })
})

describe('filterAttributes', () => {
  test('lists full paths in order, each once', () => {
    const filter = parseFilter(
      `userName eq "x" and (emails[type eq "work" and value pr] or USERNAME pr) and not (${ENTERPRISE}:manager.value eq "m")`,
    )
    assert.deepEqual(filterAttributes(filter), [
      { name: 'userName' },
      { name: 'emails', subAttr: 'type' },
      { name: 'emails', subAttr: 'value' },
      { uri: ENTERPRISE, name: 'manager', subAttr: 'value' },
    ])
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, STORES, startHarness, USER_SCHEMA, type Harness } from '../helpers/harness.js'

type Resource = any

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType'
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema'
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

/** RFC 7643 §7: the characteristics every attribute definition carries. */
function checkAttribute(attribute: Resource, where: string): void {
  for (const key of ['name', 'type', 'multiValued', 'description', 'required', 'mutability', 'returned']) {
    assert.ok(key in attribute, `${where}.${attribute.name}: missing '${key}'`)
  }
  assert.ok(['string', 'boolean', 'decimal', 'integer', 'dateTime', 'binary', 'reference', 'complex'].includes(attribute.type), `${where}.${attribute.name}.type`)
  assert.ok(['readOnly', 'readWrite', 'immutable', 'writeOnly'].includes(attribute.mutability), `${where}.${attribute.name}.mutability`)
  assert.ok(['always', 'never', 'default', 'request'].includes(attribute.returned), `${where}.${attribute.name}.returned`)
  if (attribute.type === 'string' || attribute.type === 'reference') {
    assert.equal(typeof attribute.caseExact, 'boolean', `${where}.${attribute.name}.caseExact`)
    assert.ok(['none', 'server', 'global'].includes(attribute.uniqueness), `${where}.${attribute.name}.uniqueness`)
  }
  if (attribute.type === 'reference') assert.ok(Array.isArray(attribute.referenceTypes), `${where}.${attribute.name}.referenceTypes`)
  if (attribute.type === 'complex') {
    assert.ok(Array.isArray(attribute.subAttributes) && attribute.subAttributes.length > 0, `${where}.${attribute.name}.subAttributes`)
    for (const sub of attribute.subAttributes) checkAttribute(sub, `${where}.${attribute.name}`)
  }
}

const find = (attributes: Resource[], name: string) => attributes.find((a) => a.name === name)

for (const { name, open } of STORES) {
  describe(`Discovery — RFC 7644 §4, RFC 7643 §5–7 [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open, { bulkMaxOperations: 7, maxPayloadSize: 123_456, maxResults: 250 })
    })
    after(() => h.close())

    const get = async (path: string) => {
      const res = await h.scim('GET', path)
      assert.equal(res.status, 200, `${path}: ${res.text}`)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      return res.body
    }

    test('/ServiceProviderConfig advertises the features and the configured limits', async () => {
      const spc = await get('/ServiceProviderConfig')
      assert.deepEqual(spc.schemas, [SPC_SCHEMA])
      assert.equal(spc.patch.supported, true)
      assert.equal(spc.bulk.supported, true)
      assert.equal(spc.bulk.maxOperations, 7)
      assert.equal(spc.bulk.maxPayloadSize, 123_456)
      assert.equal(spc.filter.supported, true)
      assert.equal(spc.filter.maxResults, 250)
      assert.equal(spc.changePassword.supported, true)
      assert.equal(spc.sort.supported, true)
      assert.equal(spc.etag.supported, true)
      assert.ok(Array.isArray(spc.authenticationSchemes) && spc.authenticationSchemes.length > 0)
      const bearer = spc.authenticationSchemes.find((s: Resource) => s.type === 'oauthbearertoken')
      assert.ok(bearer, JSON.stringify(spc.authenticationSchemes))
      assert.equal(typeof bearer.name, 'string')
      assert.equal(typeof bearer.description, 'string')
      assert.equal(spc.meta.resourceType, 'ServiceProviderConfig')
      assert.equal(spc.meta.location, `https://roster.test${h.base}/ServiceProviderConfig`)
    })

    test('/ResourceTypes is a ListResponse with User (with the enterprise extension) and Group', async () => {
      const list = await get('/ResourceTypes')
      assert.deepEqual(list.schemas, [LIST_SCHEMA])
      assert.equal(list.totalResults, 2)
      assert.equal(list.Resources.length, 2)
      assert.equal(list.startIndex, 1)
      const userType = list.Resources.find((r: Resource) => r.id === 'User')
      const groupType = list.Resources.find((r: Resource) => r.id === 'Group')
      assert.ok(userType && groupType)
      assert.deepEqual(userType.schemas, [RESOURCE_TYPE_SCHEMA])
      assert.equal(userType.name, 'User')
      assert.equal(userType.endpoint, '/Users')
      assert.equal(userType.schema, USER_SCHEMA)
      assert.deepEqual(userType.schemaExtensions, [{ schema: ENTERPRISE_SCHEMA, required: false }])
      assert.equal(userType.meta.resourceType, 'ResourceType')
      assert.equal(userType.meta.location, `https://roster.test${h.base}/ResourceTypes/User`)
      assert.equal(groupType.name, 'Group')
      assert.equal(groupType.endpoint, '/Groups')
      assert.equal(groupType.schema, GROUP_SCHEMA)
    })

    test('/ResourceTypes/User and /ResourceTypes/Group; unknown is 404', async () => {
      const userType = await get('/ResourceTypes/User')
      assert.equal(userType.id, 'User')
      assert.equal(userType.schema, USER_SCHEMA)
      assert.equal((await get('/ResourceTypes/Group')).endpoint, '/Groups')
      const missing = await h.scim('GET', '/ResourceTypes/Printer')
      assert.equal(missing.status, 404)
      assert.deepEqual(missing.body.schemas, [ERROR_SCHEMA])
      assert.equal(missing.body.status, '404')
    })

    test('/Schemas lists User, Group and EnterpriseUser with full attribute characteristics', async () => {
      const list = await get('/Schemas')
      assert.deepEqual(list.schemas, [LIST_SCHEMA])
      assert.equal(list.totalResults, list.Resources.length)
      const ids = list.Resources.map((s: Resource) => s.id)
      for (const id of [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_SCHEMA]) assert.ok(ids.includes(id), `${id} missing from ${ids}`)
      for (const schema of list.Resources) {
        assert.deepEqual(schema.schemas, [SCHEMA_SCHEMA])
        assert.equal(typeof schema.name, 'string')
        assert.equal(schema.meta.resourceType, 'Schema')
        assert.equal(schema.meta.location, `https://roster.test${h.base}/Schemas/${schema.id}`)
        assert.ok(Array.isArray(schema.attributes) && schema.attributes.length > 0)
        for (const attribute of schema.attributes) checkAttribute(attribute, schema.name)
      }
    })

    test('User schema: userName unique, password writeOnly/never, groups readOnly, emails sub-attributes', async () => {
      const schema = (await get('/Schemas')).Resources.find((s: Resource) => s.id === USER_SCHEMA)
      const userName = find(schema.attributes, 'userName')
      assert.equal(userName.uniqueness, 'server')
      assert.equal(userName.required, true)
      assert.equal(userName.caseExact, false)
      assert.equal(userName.type, 'string')
      const password = find(schema.attributes, 'password')
      assert.equal(password.returned, 'never')
      assert.equal(password.mutability, 'writeOnly')
      const groups = find(schema.attributes, 'groups')
      assert.equal(groups.mutability, 'readOnly')
      assert.equal(groups.multiValued, true)
      assert.deepEqual(groups.subAttributes.map((a: Resource) => a.name).sort(), ['$ref', 'display', 'type', 'value'])
      const emails = find(schema.attributes, 'emails')
      assert.equal(emails.multiValued, true)
      assert.deepEqual(find(emails.subAttributes, 'type').canonicalValues, ['work', 'home', 'other'])
      assert.equal(find(emails.subAttributes, 'primary').type, 'boolean')
      assert.equal(find(schema.attributes, 'active').type, 'boolean')
      assert.equal(find(schema.attributes, 'name').type, 'complex')
    })

    test('Group schema: members with value, $ref, type, display', async () => {
      const schema = await get(`/Schemas/${GROUP_SCHEMA}`)
      assert.equal(schema.id, GROUP_SCHEMA)
      const members = find(schema.attributes, 'members')
      assert.equal(members.multiValued, true)
      assert.deepEqual(members.subAttributes.map((a: Resource) => a.name).sort(), ['$ref', 'display', 'type', 'value'])
      assert.equal(find(schema.attributes, 'displayName').type, 'string')
    })

    test('/Schemas/{urn} for the enterprise extension; unknown urn is 404', async () => {
      const schema = await get(`/Schemas/${ENTERPRISE_SCHEMA}`)
      assert.equal(schema.id, ENTERPRISE_SCHEMA)
      const manager = find(schema.attributes, 'manager')
      assert.equal(manager.type, 'complex')
      assert.ok(find(manager.subAttributes, 'value'))
      assert.ok(find(schema.attributes, 'employeeNumber'))
      const missing = await h.scim('GET', '/Schemas/urn:example:unknown:2.0:Thing')
      assert.equal(missing.status, 404)
      assert.deepEqual(missing.body.schemas, [ERROR_SCHEMA])
    })

    test('a filter on a discovery endpoint is 403 (RFC 7644 §4)', async () => {
      for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
        const res = await h.scim('GET', `${path}?filter=${encodeURIComponent('id eq "User"')}`)
        assert.equal(res.status, 403, `${path}: ${res.text}`)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
        assert.equal(res.body.status, '403')
      }
    })

    test('discovery is read-only: POST, PUT, PATCH, DELETE are 405 with Allow: GET', async () => {
      const cases: [string, string][] = [
        ['POST', '/Schemas'],
        ['PUT', '/ServiceProviderConfig'],
        ['PATCH', `/Schemas/${USER_SCHEMA}`],
        ['DELETE', '/ResourceTypes/User'],
        ['POST', '/ResourceTypes'],
      ]
      for (const [method, path] of cases) {
        const res = await h.scim(method as 'POST', path, method === 'DELETE' ? undefined : {})
        assert.equal(res.status, 405, `${method} ${path}: ${res.text}`)
        assert.equal(res.headers.allow, 'GET')
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
      }
    })

    test('discovery requires the bearer token: 401 without it or with a wrong one', async () => {
      for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas', `/Schemas/${USER_SCHEMA}`]) {
        const none = await h.raw({ method: 'GET', url: h.base + path })
        assert.equal(none.status, 401, path)
        assert.deepEqual(none.body.schemas, [ERROR_SCHEMA])
        assert.equal(none.body.status, '401')
        assert.match(String(none.headers['www-authenticate']), /^Bearer/)
        const wrong = await h.raw({ method: 'GET', url: h.base + path, headers: { authorization: 'Bearer not-a-real-token' } })
        assert.equal(wrong.status, 401, path)
      }
    })

    test('resources require the token too, and Basic auth is refused', async () => {
      const res = await h.raw({ method: 'GET', url: `${h.base}/Users`, headers: { authorization: 'Basic dXNlcjpwYXNz' } })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
    })
  })
}

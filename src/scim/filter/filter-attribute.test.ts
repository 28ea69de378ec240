import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { attribute } from '../schema/attribute.js'
import { defaultRegistry } from '../schema/resource-types.js'
import { elementAttribute, parseDateTime, resolveFilterPath, SCHEMAS_ATTRIBUTE } from './filter-attribute.js'

const users = defaultRegistry().require('User')
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

describe('resolveFilterPath', () => {
  test('core, common, extension and schemas', () => {
    assert.equal(resolveFilterPath({ name: 'USERNAME' }, users)?.attribute.name, 'userName')
    assert.equal(resolveFilterPath({ name: 'meta', subAttr: 'LASTMODIFIED' }, users)?.subAttribute?.name, 'lastModified')
    const manager = resolveFilterPath({ uri: ENTERPRISE, name: 'manager', subAttr: 'value' }, users)
    assert.equal(manager?.extension, ENTERPRISE)
    assert.equal(manager?.subAttribute?.name, 'value')
    assert.equal(resolveFilterPath({ name: 'schemas' }, users)?.attribute, SCHEMAS_ATTRIBUTE)
    assert.equal(resolveFilterPath({ uri: 'urn:ietf:params:scim:schemas:core:2.0:User', name: 'Schemas' }, users)?.attribute, SCHEMAS_ATTRIBUTE)
  })

  test('unknown names resolve to undefined', () => {
    assert.equal(resolveFilterPath({ name: 'nosuch' }, users), undefined)
    assert.equal(resolveFilterPath({ name: 'name', subAttr: 'nosuch' }, users), undefined)
    assert.equal(resolveFilterPath({ uri: ENTERPRISE, name: 'schemas' }, users), undefined)
    assert.equal(resolveFilterPath({ name: 'schemas', subAttr: 'value' }, users), undefined)
  })
})

describe('elementAttribute', () => {
  test('sub-attributes of a complex parent, value of a simple one', () => {
    const emails = users.attribute('emails')!.attribute
    assert.equal(elementAttribute(emails, { name: 'TYPE' })?.name, 'type')
    assert.equal(elementAttribute(emails, { name: 'type', subAttr: 'x' }), undefined)
    const tags = attribute('tags', 'string', 'test', { multiValued: true, caseExact: true })
    assert.deepEqual(elementAttribute(tags, { name: 'Value' }), { ...tags, multiValued: false })
    assert.equal(elementAttribute(tags, { name: 'type' }), undefined)
  })
})

describe('parseDateTime', () => {
  test('xsd:dateTime with Z, offsets, fractions or no zone (UTC)', () => {
    const t = Date.UTC(2011, 4, 13, 4, 42, 34)
    assert.equal(parseDateTime('2011-05-13T04:42:34Z'), t)
    assert.equal(parseDateTime('2011-05-13T04:42:34'), t)
    assert.equal(parseDateTime('2011-05-13T06:42:34+02:00'), t)
    assert.equal(parseDateTime('2011-05-12T23:42:34-05:00'), t)
    assert.equal(parseDateTime('2011-05-13T04:42:34.5Z'), t + 500)
    assert.equal(parseDateTime('2011-05-13T04:42:34.123456Z'), t + 123)
    assert.equal(parseDateTime('2012-02-29T00:00:00Z'), Date.UTC(2012, 1, 29))
    assert.equal(parseDateTime('0050-01-01T00:00:00Z'), new Date('0050-01-01T00:00:00Z').getTime())
  })

  test('rejects everything else', () => {
    for (const text of [
      '', 'yesterday', '2011-05-13', '2011-05-13 04:42:34Z', '2011-5-13T04:42:34Z', '2011-13-01T00:00:00Z',
      '2011-00-01T00:00:00Z', '2011-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2011-04-31T00:00:00Z',
      '2011-05-13T24:00:00Z', '2011-05-13T04:60:00Z', '2011-05-13T04:42:60Z', '2011-05-13T04:42:34+15:00',
      '2011-05-13T04:42:34+02:60', '2011-05-13T04:42:34.Z', '2011-05-13T04:42:34z', ' 2011-05-13T04:42:34Z',
      'May 13, 2011',
    ]) {
      assert.equal(parseDateTime(text), undefined, text)
    }
  })
})

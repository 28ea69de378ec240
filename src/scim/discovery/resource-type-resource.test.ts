import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { defaultRegistry } from '../schema/resource-types.js'
import { resourceTypeResource } from './resource-type-resource.js'

const registry = defaultRegistry()

describe('resourceTypeResource (RFC 7643 §6)', () => {
  test('User as in RFC 7643 §8.6 (the enterprise extension is optional here)', () => {
    assert.deepEqual(resourceTypeResource(registry.require('User'), 'https://example.com/v2'), {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      schemaExtensions: [
        { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
      ],
      meta: { location: 'https://example.com/v2/ResourceTypes/User', resourceType: 'ResourceType' },
    })
  })

  test('Group as in RFC 7643 §8.6, verbatim', () => {
    const rfc = JSON.parse(`{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    "id": "Group",
    "name": "Group",
    "endpoint": "/Groups",
    "description": "Group",
    "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
    "meta": {
      "location": "https://example.com/v2/ResourceTypes/Group",
      "resourceType": "ResourceType"
    }
  }`)
    assert.deepEqual(resourceTypeResource(registry.require('Group'), 'https://example.com/v2/'), rfc)
  })
})

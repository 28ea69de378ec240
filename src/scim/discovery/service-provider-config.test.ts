import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { serviceProviderConfig } from './service-provider-config.js'

const options = {
  documentationUri: 'http://example.com/help/scim.html',
  patch: true,
  bulk: { maxOperations: 1000, maxPayloadSize: 1048576 },
  filterMaxResults: 200,
  changePassword: true,
  sort: true,
  etag: true,
  baseUrl: 'https://example.com/v2/',
}

describe('serviceProviderConfig (RFC 7643 §5)', () => {
  test('the shape of RFC 7643 §8.5, with the bearer token scheme only', () => {
    assert.deepEqual(serviceProviderConfig(options), {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      documentationUri: 'http://example.com/help/scim.html',
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: true },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: 'Authentication scheme using the OAuth Bearer Token Standard',
          specUri: 'https://www.rfc-editor.org/info/rfc6750',
          documentationUri: 'http://example.com/help/scim.html',
          primary: true,
        },
      ],
      meta: {
        resourceType: 'ServiceProviderConfig',
        location: 'https://example.com/v2/ServiceProviderConfig',
      },
    })
  })

  test('bulk is unsupported with zero operations; no documentationUri when not configured', () => {
    const { documentationUri: _d, ...rest } = options
    const spc = serviceProviderConfig({
      ...rest,
      bulk: { maxOperations: 0, maxPayloadSize: 0 },
      patch: true,
      etag: false,
      sort: false,
      changePassword: false,
    })
    assert.deepEqual(spc.bulk, { supported: false, maxOperations: 0, maxPayloadSize: 0 })
    assert.deepEqual(spc.etag, { supported: false })
    assert.equal('documentationUri' in spc, false)
    assert.equal('documentationUri' in (spc.authenticationSchemes as object[])[0]!, false)
  })

  test('RFC 9865 §4: pagination is advertised only when cursor support is configured', () => {
    assert.equal('pagination' in serviceProviderConfig(options), false)
    assert.deepEqual(serviceProviderConfig({ ...options, cursorPagination: true }).pagination, {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      maxPageSize: 200,
    })
  })
})

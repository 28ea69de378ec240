import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { detectClient } from './detect-client.js'

const at = (userAgent: string | null, extra: { url?: string; method?: string; body?: unknown } = {}) =>
  detectClient({ userAgent, url: extra.url ?? '/scim/v2/Users', method: extra.method ?? 'POST', body: extra.body })

describe('detectClient', () => {
  test('by User-Agent, in any case', () => {
    assert.equal(at('OKTA SCIM Integration'), 'okta')
    assert.equal(at('Okta-Provisioning/1.0'), 'okta')
    assert.equal(at('OneLogin-SCIM/2'), 'onelogin')
    assert.equal(at('PingFederate/11.3'), 'pingfederate')
    assert.equal(at('Ping Identity SCIM connector'), 'pingfederate')
    assert.equal(at('PingOne'), 'pingfederate')
    assert.equal(at('JumpCloud-SCIM'), 'jumpcloud')
    assert.equal(at('Google-Workspace-Provisioning'), 'google')
    assert.equal(at('Microsoft Azure Active Directory SCIM Client'), 'entra')
    assert.equal(at('Microsoft.Identity.Provisioning'), 'entra')
    assert.equal(at('Entra-Provisioning'), 'entra')
    assert.equal(at('AAD provisioning'), 'entra')
    assert.equal(at('curl/8.5.0'), 'other')
    assert.equal(at('octokit-rest.js/20.0.0'), 'other')
    assert.equal(at('baadf00d'), 'other', "'aad' counts as a word only")
    assert.equal(at(null), 'other')
  })

  test('by request shape when the User-Agent says nothing', () => {
    assert.equal(at(null, { url: '/scim/v2/Users?aadOptscim062020' }), 'entra')
    assert.equal(at('python-requests/2.31', { url: '/scim/v2/Users/1?aadOPTscim062020=1' }), 'entra')
    const entraPatch = { Operations: [{ op: 'Replace', path: 'active', value: 'False' }, { op: 'Add', path: 'title', value: 'x' }] }
    assert.equal(at(null, { method: 'PATCH', body: entraPatch }), 'entra')
    const rfcPatch = { Operations: [{ op: 'replace', path: 'active', value: false }] }
    assert.equal(at(null, { method: 'PATCH', body: rfcPatch }), 'other')
    const mixed = { Operations: [{ op: 'Replace', path: 'a', value: 1 }, { op: 'add', path: 'b', value: 1 }] }
    assert.equal(at(null, { method: 'PATCH', body: mixed }), 'other', 'every op capitalised, or it is not the shape')
    assert.equal(at(null, { method: 'POST', body: entraPatch }), 'other', 'only a PATCH has that shape')
    assert.equal(at(null, { url: '/scim/v2/aadOptscim062020/Users' }), 'other', 'the flag counts in the query only')
  })

  test('the User-Agent wins over the shape', () => {
    assert.equal(at('OKTA SCIM Integration', { url: '/x?aadOptscim062020', method: 'PATCH', body: { Operations: [{ op: 'Replace' }] } }), 'okta')
  })
})

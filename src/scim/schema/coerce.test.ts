import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { isScimError, type ScimError } from '../errors.js'
import { parseAttrPath } from '../path/attr-path.js'
import { SCHEMA_URNS } from './attribute.js'
import { coerceAttributeValue, coerceResource, isBase64, isXsdDateTime } from './coerce.js'
import { defaultRegistry } from './resource-types.js'

const registry = defaultRegistry()
const User = registry.require('User')
const Group = registry.require('Group')
const ENTERPRISE = SCHEMA_URNS.enterpriseUser

/** Asserts a 400 ScimError with this scimType and exact detail. */
function rejects(fn: () => unknown, scimType: ScimError['scimType'], detail: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isScimError(e), `expected a ScimError, got ${String(e)}`)
    assert.equal(e.status, 400)
    assert.equal(e.scimType, scimType)
    if (typeof detail === 'string') assert.equal(e.detail, detail)
    else assert.match(e.detail, detail)
    return true
  })
}

// RFC 7643 §8.3, verbatim (the certificate joined onto one line).
const RFC7643_ENTERPRISE_USER = `{
  "schemas":
    ["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "701984",
  "userName": "bjensen@example.com",
  "name": {
    "formatted": "Ms. Barbara J Jensen, III",
    "familyName": "Jensen",
    "givenName": "Barbara",
    "middleName": "Jane",
    "honorificPrefix": "Ms.",
    "honorificSuffix": "III"
  },
  "displayName": "Babs Jensen",
  "nickName": "Babs",
  "profileUrl": "https://login.example.com/bjensen",
  "emails": [
    {
      "value": "bjensen@example.com",
      "type": "work",
      "primary": true
    },
    {
      "value": "babs@jensen.org",
      "type": "home"
    }
  ],
  "addresses": [
    {
      "streetAddress": "100 Universal City Plaza",
      "locality": "Hollywood",
      "region": "CA",
      "postalCode": "91608",
      "country": "USA",
      "formatted": "100 Universal City Plaza\\nHollywood, CA 91608 USA",
      "type": "work",
      "primary": true
    },
    {
      "streetAddress": "456 Hollywood Blvd",
      "locality": "Hollywood",
      "region": "CA",
      "postalCode": "91608",
      "country": "USA",
      "formatted": "456 Hollywood Blvd\\nHollywood, CA 91608 USA",
      "type": "home"
    }
  ],
  "phoneNumbers": [
    {
      "value": "555-555-5555",
      "type": "work"
    },
    {
      "value": "555-555-4444",
      "type": "mobile"
    }
  ],
  "ims": [
    {
      "value": "someaimhandle",
      "type": "aim"
    }
  ],
  "photos": [
    {
      "value":
        "https://photos.example.com/profilephoto/72930000000Ccne/F",
      "type": "photo"
    },
    {
      "value":
        "https://photos.example.com/profilephoto/72930000000Ccne/T",
      "type": "thumbnail"
    }
  ],
  "userType": "Employee",
  "title": "Tour Guide",
  "preferredLanguage": "en-US",
  "locale": "en-US",
  "timezone": "America/Los_Angeles",
  "active":true,
  "password": "t1meMa$heen",
  "groups": [
    {
      "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
      "$ref": "../Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
      "display": "Tour Guides"
    },
    {
      "value": "fc348aa8-3835-40eb-a20b-c726e15c55b5",
      "$ref": "../Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5",
      "display": "Employees"
    },
    {
      "value": "71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7",
      "$ref": "../Groups/71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7",
      "display": "US Employees"
    }
  ],
  "x509Certificates": [
    {
      "value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFDASBgNVBAoMC2V4YW1wbGUuY29tMRQwEgYDVQQDDAtleGFtcGxlLmNvbTAeFw0xMTEwMjIwNjI0MzFaFw0xMjEwMDQwNjI0MzFaMH8xCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRQwEgYDVQQKDAtleGFtcGxlLmNvbTEhMB8GA1UEAwwYTXMuIEJhcmJhcmEgSiBKZW5zZW4gSUlJMSIwIAYJKoZIhvcNAQkBFhNiamVuc2VuQGV4YW1wbGUuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7Kr+Dcds/JQ5GwejJFcBIP682X3xpjis56AK02bc1FLgzdLI8auoR+cC9/Vrh5t66HkQIOdA4unHh0AaZ4xL5PhVbXIPMB5vAPKpzz5iPSi8xO8SL7I7SDhcBVJhqVqr3HgllEG6UClDdHO7nkLuwXq8HcISKkbT5WFTVfFZzidPl8HZ7DhXkZIRtJwBweq4bvm3hM1Os7UQH05ZS6cVDgweKNwdLLrT51ikSQG3DYrl+ft781UQRIqxgwqCfXEuDiinPh0kkvIi5jivVu1Z9QiwlYEdRbLJ4zJQBmDrSGTMYn4lRc2HgHO4DqB/bnMVorHB0CC6AV1QoFK4GPe1LwIDAQABo3sweTAJBgNVHRMEAjAAMCwGCWCGSAGG+EIBDQQfFh1PcGVuU1NMIEdlbmVyYXRlZCBDZXJ0aWZpY2F0ZTAdBgNVHQ4EFgQU8pD0U0vsZIsaA16lL8En8bx0F/gwHwYDVR0jBBgwFoAUdGeKitcaF7gnzsNwDx708kqaVt0wDQYJKoZIhvcNAQEFBQADgYEAA81SsFnOdYJtNg5Tcq+/ByEDrBgnusx0jloUhByPMEVkoMZ3J7j1ZgI8rAbOkNngX8+pKfTiDz1RC4+dx8oU6Za+4NJXUjlL5CvV6BEYb1+QAEJwitTVvxB/A67g42/vzgAtoRUeDov1+GFiBZ+GNF/cAYKcMtGcrs2i97ZkJMo="
    }
  ],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "costCenter": "4130",
    "organization": "Universal Studios",
    "division": "Theme Park",
    "department": "Tour Operations",
    "manager": {
      "value": "26118915-6090-4610-87e4-49d8ca9f808d",
      "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
      "displayName": "John Smith"
    }
  },
  "meta": {
    "resourceType": "User",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34Z",
    "version": "W\\/\\"3694e05e9dff591\\"",
    "location":
"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
  }
}`

// RFC 7643 §8.4, verbatim.
const RFC7643_GROUP = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
  "displayName": "Tour Guides",
  "members": [
    {
      "value": "2819c223-7f76-453a-919d-413861904646",
      "$ref":
"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
      "display": "Babs Jensen"
    },
    {
      "value": "902c246b-6245-4190-8e05-00816be7344a",
      "$ref":
"https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a",
      "display": "Mandy Pepperidge"
    }
  ],
  "meta": {
    "resourceType": "Group",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34Z",
    "version": "W\\/\\"3694e05e9dff592\\"",
    "location":
"https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"
  }
}`

describe('coerceResource: RFC 7643 examples', () => {
  test('§8.3 enterprise User: readOnly attributes dropped, everything else kept as given', () => {
    const input = JSON.parse(RFC7643_ENTERPRISE_USER) as Record<string, unknown>
    const doc = coerceResource(User, input)
    const expected: Record<string, unknown> = { ...input }
    delete expected.id
    delete expected.meta
    delete expected.groups
    expected[ENTERPRISE] = {
      ...(input[ENTERPRISE] as object),
      manager: {
        value: '26118915-6090-4610-87e4-49d8ca9f808d',
        $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d',
      },
    }
    assert.deepEqual(doc, expected)
    assert.deepEqual(Object.keys(doc).slice(0, 3), ['schemas', 'externalId', 'userName'])
    assert.deepEqual(Object.keys(doc).at(-1), ENTERPRISE)
  })

  test('§8.4 Group: members keep value only ($ref and display are derived by the server)', () => {
    const doc = coerceResource(Group, JSON.parse(RFC7643_GROUP))
    assert.deepEqual(doc, {
      schemas: [SCHEMA_URNS.group],
      displayName: 'Tour Guides',
      members: [
        { value: '2819c223-7f76-453a-919d-413861904646' },
        { value: '902c246b-6245-4190-8e05-00816be7344a' },
      ],
    })
  })
})

describe('coerceResource: IdP bodies (docs/idp-compatibility.md)', () => {
  test('GitHub EMU PUT user with active:false and roles', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      externalId: 'E012345',
      active: false,
      userName: 'E012345',
      name: { familyName: 'Octocat', givenName: 'Mona', middleName: 'Lisa' },
      displayName: 'Mona Lisa',
      emails: [{ value: 'mlisa@example.com', type: 'work', primary: true }],
      roles: [{ value: 'User' }],
    }
    assert.deepEqual(coerceResource(User, body), body)
  })

  test('GitLab create: active null is no value, meta ignored', () => {
    const body = JSON.parse(
      '{"externalId":"test_uid","active":null,"userName":"username","emails":[{"primary":true,"type":"work","value":"name@example.com"}],"name":{"formatted":"Test User","familyName":"User","givenName":"Test"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"meta":{"resourceType":"User"}}',
    )
    assert.deepEqual(coerceResource(User, body), {
      schemas: [SCHEMA_URNS.user],
      externalId: 'test_uid',
      userName: 'username',
      name: { formatted: 'Test User', familyName: 'User', givenName: 'Test' },
      emails: [{ primary: true, type: 'work', value: 'name@example.com' }],
    })
  })

  test("GitLab's flat 'name.formatted' key folds into name", () => {
    const doc = coerceResource(User, {
      userName: 'u',
      'name.formatted': 'Test User',
      'name.givenName': 'Test',
    })
    assert.deepEqual(doc.name, { formatted: 'Test User', givenName: 'Test' })
  })

  test('Entra ID create user: core + enterprise schemas, empty roles omitted', () => {
    const body = {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [
        { primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' },
      ],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    }
    assert.deepEqual(coerceResource(User, body), {
      schemas: [SCHEMA_URNS.user],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      active: true,
      emails: [
        { primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' },
      ],
    })
  })

  test('Entra ID create group: its own Group URN is tolerated and dropped', () => {
    const body = {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    }
    assert.deepEqual(coerceResource(Group, body), {
      schemas: [SCHEMA_URNS.group],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
    })
  })

  test("Entra ID's flag-style keys: dotted and URN-qualified attribute names", () => {
    const doc = coerceResource(User, {
      userName: 'bjensen',
      displayName: 'Bjfe',
      'name.givenName': 'Kkom',
      'name.familyName': 'Unua',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq',
      'urn:ietf:params:scim:schemas:core:2.0:User:nickName': 'B',
      'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.middleName': 'J',
    })
    assert.deepEqual(doc, {
      schemas: [SCHEMA_URNS.user, ENTERPRISE],
      userName: 'bjensen',
      name: { familyName: 'Unua', givenName: 'Kkom', middleName: 'J' },
      displayName: 'Bjfe',
      nickName: 'B',
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    })
  })

  test('Entra ID sends active as "False"/"True" and manager as a bare id', () => {
    const doc = coerceResource(User, {
      userName: 'u',
      active: 'False',
      [ENTERPRISE]: { manager: 'id123' },
    })
    assert.equal(doc.active, false)
    assert.deepEqual(doc[ENTERPRISE], { manager: { value: 'id123' } })
    assert.equal(coerceResource(User, { userName: 'u', active: 'TRUE' }).active, true)
  })

  test('Okta create user: groups (readOnly) dropped, password kept for the caller to hash', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    }
    const { groups: _groups, ...expected } = body
    assert.deepEqual(coerceResource(User, body), expected)
  })

  test('schemas may be missing (GitLab, Okta quirks)', () => {
    assert.deepEqual(coerceResource(User, { userName: 'u' }), { schemas: [SCHEMA_URNS.user], userName: 'u' })
  })

  test('Entra group members as PATCH-style values and primitives', () => {
    const doc = coerceResource(Group, {
      displayName: 'g',
      members: [
        { $ref: null, value: 'u1' },
        'u2',
        { value: 'g1', type: 'GROUP' },
        { value: 'u3', type: 'user' },
      ],
    })
    assert.deepEqual(doc.members, [
      { value: 'u1' },
      { value: 'u2' },
      { value: 'g1', type: 'Group' },
      { value: 'u3', type: 'User' },
    ])
  })
})

describe('coerceResource: names', () => {
  test('attribute and sub-attribute names are case-insensitive (RFC 7643 §2.1)', () => {
    const doc = coerceResource(User, {
      USERNAME: 'u',
      Name: { GIVENNAME: 'A' },
      EMAILS: [{ VALUE: 'a@example.com', Primary: 'true' }],
      'urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user': { EmployeeNumber: '1' },
    })
    assert.deepEqual(doc, {
      schemas: [SCHEMA_URNS.user, ENTERPRISE],
      userName: 'u',
      name: { givenName: 'A' },
      emails: [{ value: 'a@example.com', primary: true }],
      [ENTERPRISE]: { employeeNumber: '1' },
    })
  })

  test('whole objects and dotted keys merge', () => {
    const doc = coerceResource(User, { userName: 'u', name: { givenName: 'A' }, 'name.familyName': 'B' })
    assert.deepEqual(doc.name, { givenName: 'A', familyName: 'B' })
  })

  test('the same attribute under two spellings is refused', () => {
    rejects(
      () => coerceResource(User, { userName: 'a', USERNAME: 'b' }),
      'invalidValue',
      "userName: given more than once ('userName' and 'USERNAME')",
    )
    rejects(
      () => coerceResource(User, { userName: 'a', name: { givenName: 'A' }, 'name.givenName': 'B' }),
      'invalidValue',
      'name.givenName: given more than once',
    )
    rejects(
      () =>
        coerceResource(User, {
          userName: 'a',
          [`${ENTERPRISE}:employeeNumber`]: '1',
          [ENTERPRISE]: { employeeNumber: '2' },
        }),
      'invalidValue',
      /^urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User:employeeNumber: given more than once/,
    )
  })

  test('a null spelling does not conflict', () => {
    assert.equal(coerceResource(User, { userName: 'a', USERNAME: null }).userName, 'a')
  })

  test('unknown attributes, sub-attributes and schemas are dropped', () => {
    const doc = coerceResource(User, {
      userName: 'u',
      favouriteColour: 'blue',
      name: { givenName: 'A', nickname: 'x' },
      'name.unknown': 'x',
      'userName.x': 'y',
      'urn:example:custom:1.0:User:thing': 1,
      'emails[type eq "work"].value': 'a@example.com',
    })
    assert.deepEqual(doc, { schemas: [SCHEMA_URNS.user], userName: 'u', name: { givenName: 'A' } })
  })

  test('readOnly attributes are ignored (RFC 7643 §2.2), including dotted ones', () => {
    const doc = coerceResource(User, {
      userName: 'u',
      id: 'x',
      meta: { created: 'not even a date' },
      'meta.location': 'x',
      groups: [{ value: 'g' }],
      [ENTERPRISE]: { manager: { value: 'm', displayName: 'Boss' } },
    })
    assert.deepEqual(doc, {
      schemas: [SCHEMA_URNS.user, ENTERPRISE],
      userName: 'u',
      [ENTERPRISE]: { manager: { value: 'm' } },
    })
  })

  test('a dotted key into a multi-valued attribute is refused', () => {
    rejects(
      () => coerceResource(User, { userName: 'u', 'emails.value': 'a@example.com' }),
      'invalidValue',
      "emails.value: a dotted name cannot address a multi-valued attribute; send 'emails' as a list",
    )
  })
})

describe('coerceResource: schemas', () => {
  test('must be an array of strings including the core URN, in any case', () => {
    assert.deepEqual(
      coerceResource(User, { schemas: ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER'], userName: 'u' })
        .schemas,
      [SCHEMA_URNS.user],
    )
    rejects(
      () => coerceResource(User, { schemas: [SCHEMA_URNS.group], userName: 'u' }),
      'invalidValue',
      "schemas: expected 'urn:ietf:params:scim:schemas:core:2.0:User' among the schemas",
    )
    rejects(
      () => coerceResource(User, { schemas: SCHEMA_URNS.user, userName: 'u' }),
      'invalidValue',
      "schemas: expected an array of schema URNs including 'urn:ietf:params:scim:schemas:core:2.0:User', got 'urn:ietf:params:scim:schemas:core:2.0:Us…'",
    )
    rejects(
      () => coerceResource(User, { schemas: [1], userName: 'u' }),
      'invalidValue',
      /^schemas: expected an array/,
    )
  })

  test('output lists the extensions that have values, whatever the input listed', () => {
    assert.deepEqual(
      coerceResource(User, { schemas: [SCHEMA_URNS.user, ENTERPRISE], userName: 'u' }).schemas,
      [SCHEMA_URNS.user],
    )
    assert.deepEqual(
      coerceResource(User, { schemas: [SCHEMA_URNS.user], userName: 'u', [ENTERPRISE]: { division: 'd' } })
        .schemas,
      [SCHEMA_URNS.user, ENTERPRISE],
    )
    assert.deepEqual(coerceResource(User, { userName: 'u', [ENTERPRISE]: { manager: {} } }), {
      schemas: [SCHEMA_URNS.user],
      userName: 'u',
    })
  })

  test('an extension key must hold an object', () => {
    rejects(
      () => coerceResource(User, { userName: 'u', [ENTERPRISE]: 'x' }),
      'invalidValue',
      `${ENTERPRISE}: expected an object, got 'x'`,
    )
    assert.deepEqual(coerceResource(User, { userName: 'u', [ENTERPRISE]: null }).schemas, [SCHEMA_URNS.user])
  })
})

describe('coerceResource: values', () => {
  test('input must be a JSON object', () => {
    rejects(() => coerceResource(User, []), 'invalidSyntax', 'resource: expected a JSON object, got array')
    rejects(() => coerceResource(User, 'x'), 'invalidSyntax', "resource: expected a JSON object, got 'x'")
    rejects(
      () => coerceResource(User, null, { path: 'Operations[1].data' }),
      'invalidSyntax',
      'Operations[1].data: expected a JSON object, got null',
    )
  })

  test('prototype-polluting keys are refused at any depth', () => {
    rejects(
      () => coerceResource(User, JSON.parse('{"userName":"u","__proto__":{"admin":true}}')),
      'invalidValue',
      "__proto__: the key '__proto__' is not allowed",
    )
    rejects(
      () =>
        coerceResource(
          User,
          JSON.parse('{"userName":"u","emails":[{"value":"a","constructor":{"prototype":1}}]}'),
        ),
      'invalidValue',
      "emails[0].constructor: the key 'constructor' is not allowed",
    )
  })

  test('strings must be strings', () => {
    rejects(
      () => coerceResource(User, { userName: 'u', emails: [{ value: 7 }] }),
      'invalidValue',
      'emails[0].value: expected a string, got number',
    )
    rejects(
      () => coerceResource(User, { userName: true }),
      'invalidValue',
      'userName: expected a string, got boolean',
    )
    rejects(
      () => coerceResource(User, { userName: 'u', [ENTERPRISE]: { employeeNumber: 7 } }),
      'invalidValue',
      `${ENTERPRISE}:employeeNumber: expected a string, got number`,
    )
  })

  test('booleans accept "true"/"false" in any case and nothing else', () => {
    for (const [given, want] of [
      [true, true],
      ['false', false],
      ['False', false],
      ['tRuE', true],
    ] as const) {
      assert.equal(coerceResource(User, { userName: 'u', active: given }).active, want)
    }
    rejects(
      () => coerceResource(User, { userName: 'u', active: 'yes' }),
      'invalidValue',
      "active: expected a boolean, got 'yes'",
    )
    rejects(
      () => coerceResource(User, { userName: 'u', active: 1 }),
      'invalidValue',
      'active: expected a boolean, got number',
    )
  })

  test('single-valued attributes refuse arrays', () => {
    rejects(
      () => coerceResource(User, { userName: ['a'] }),
      'invalidValue',
      'userName: expected a single value, got an array',
    )
  })

  test('multi-valued attributes wrap a lone value', () => {
    const doc = coerceResource(User, { userName: 'u', emails: { value: 'a@example.com' }, roles: 'admin' })
    assert.deepEqual(doc.emails, [{ value: 'a@example.com' }])
    assert.deepEqual(doc.roles, [{ value: 'admin' }])
  })

  test('empty values of a list are dropped; an empty list is no value', () => {
    const doc = coerceResource(User, {
      userName: 'u',
      emails: [{}, null, { value: null, type: null }, { value: 'a' }],
      phoneNumbers: [{}],
    })
    assert.deepEqual(doc.emails, [{ value: 'a' }])
    assert.equal('phoneNumbers' in doc, false)
  })

  test('a primitive for a complex attribute without a value sub-attribute is refused', () => {
    rejects(
      () => coerceResource(User, { userName: 'u', name: 'Ann' }),
      'invalidValue',
      "name: expected an object, got 'Ann'",
    )
    rejects(
      () => coerceResource(User, { userName: 'u', addresses: ['x'] }),
      'invalidValue',
      "addresses[0]: expected an object, got 'x'",
    )
  })

  test('at most one primary value (RFC 7643 §2.4)', () => {
    rejects(
      () =>
        coerceResource(User, {
          userName: 'u',
          emails: [
            { value: 'a', primary: true },
            { value: 'b', primary: 'True' },
          ],
        }),
      'invalidValue',
      'emails: only one value may be primary',
    )
    const doc = coerceResource(User, {
      userName: 'u',
      emails: [
        { value: 'a', primary: true },
        { value: 'b', primary: false },
      ],
    })
    assert.equal((doc.emails as unknown[]).length, 2)
  })

  test('empty strings are kept as given, but do not satisfy required', () => {
    assert.equal(coerceResource(User, { userName: 'u', displayName: '' }).displayName, '')
    rejects(() => coerceResource(User, { userName: '' }), 'invalidValue', 'userName is required')
  })

  test('required attributes', () => {
    rejects(() => coerceResource(User, {}), 'invalidValue', 'userName is required')
    rejects(() => coerceResource(User, { userName: null }), 'invalidValue', 'userName is required')
    rejects(() => coerceResource(Group, { members: [] }), 'invalidValue', 'displayName is required')
  })

  test('members need a value, and a type of User or Group', () => {
    rejects(
      () =>
        coerceResource(Group, {
          displayName: 'g',
          members: [{ value: 'a' }, { value: 'b' }, { value: 'c' }, { display: 'Babs' }],
        }),
      'invalidValue',
      'members[3].value is required',
    )
    rejects(
      () => coerceResource(Group, { displayName: 'g', members: [{ value: 'a', type: 'Robot' }] }),
      'invalidValue',
      "members[0].type: expected one of 'User', 'Group', got 'Robot'",
    )
  })

  test('errors carry the caller path prefix', () => {
    rejects(
      () => coerceResource(User, {}, { path: 'Operations[2].data' }),
      'invalidValue',
      'Operations[2].data.userName is required',
    )
    rejects(
      () => coerceResource(User, { userName: 'u', emails: [1] }, { path: 'Operations[2].data' }),
      'invalidValue',
      'Operations[2].data.emails[0].value: expected a string, got number',
    )
  })

  test('limits: string length, number of values, depth', () => {
    assert.equal((coerceResource(User, { userName: 'x'.repeat(65_536) }).userName as string).length, 65_536)
    rejects(
      () => coerceResource(User, { userName: 'x'.repeat(65_537) }),
      'invalidValue',
      'userName: longer than 65536 characters',
    )
    const many = Array.from({ length: 100_001 }, (_, i) => ({ value: String(i) }))
    rejects(
      () => coerceResource(Group, { displayName: 'g', members: many }),
      'invalidValue',
      'members: more than 100000 values',
    )
    let deep: unknown = 'x'
    for (let i = 0; i < 8; i++) deep = { a: deep }
    rejects(
      () => coerceResource(User, { userName: 'u', extra: deep }),
      'invalidValue',
      /^extra(\.a)+: nested deeper than 8 levels$/,
    )
  })
})

describe('coerceResource: types of other attributes', () => {
  // The default schemas have no integer, decimal or dateTime attribute outside `meta`; test
  // those rules through a synthetic resolution of the same functions.
  const intAttr = {
    schemaId: 'urn:x',
    common: false,
    attribute: {
      name: 'n',
      type: 'integer',
      multiValued: false,
      description: '',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    },
  } as const
  test('integer: integral numbers only, numeric strings refused', () => {
    assert.equal(coerceAttributeValue(User, intAttr, 3, 'n'), 3)
    rejects(
      () => coerceAttributeValue(User, intAttr, 1.5, 'n'),
      'invalidValue',
      'n: expected an integer, got number',
    )
    rejects(
      () => coerceAttributeValue(User, intAttr, '3', 'n'),
      'invalidValue',
      "n: expected an integer, got '3'",
    )
  })
  test('decimal: finite numbers', () => {
    const dec = { ...intAttr, attribute: { ...intAttr.attribute, type: 'decimal' } } as const
    assert.equal(coerceAttributeValue(User, dec, 1.5, 'd'), 1.5)
    rejects(
      () => coerceAttributeValue(User, dec, '1.5', 'd'),
      'invalidValue',
      "d: expected a decimal number, got '1.5'",
    )
  })
  test('dateTime: validated xsd:dateTime strings, kept as given', () => {
    const dt = { ...intAttr, attribute: { ...intAttr.attribute, type: 'dateTime' } } as const
    assert.equal(coerceAttributeValue(User, dt, '2008-01-23T04:56:22Z', 't'), '2008-01-23T04:56:22Z')
    rejects(
      () => coerceAttributeValue(User, dt, '2008-13-23T04:56:22Z', 't'),
      'invalidValue',
      "t: expected an xsd:dateTime such as 2008-01-23T04:56:22Z, got '2008-13-23T04:56:22Z'",
    )
  })
  test('binary: base64', () => {
    const resolved = User.resolve(parseAttrPath('x509Certificates')!)!
    assert.deepEqual(coerceAttributeValue(User, resolved, 'AAEC', 'x509Certificates'), [{ value: 'AAEC' }])
    rejects(
      () => coerceAttributeValue(User, resolved, [{ value: 'not base64!' }], 'x509Certificates'),
      'invalidValue',
      'x509Certificates[0].value: expected base64 (RFC 4648 §4), got a string that is not',
    )
  })
})

describe('coerceAttributeValue (for PATCH)', () => {
  test('a whole attribute, a sub-attribute, an extension attribute', () => {
    assert.deepEqual(
      coerceAttributeValue(
        User,
        User.resolve(parseAttrPath('emails')!)!,
        { Value: 'a', Primary: 'True' },
        'value',
      ),
      [{ value: 'a', primary: true }],
    )
    assert.equal(
      coerceAttributeValue(User, User.resolve(parseAttrPath('name.givenName')!)!, 'A', 'value'),
      'A',
    )
    assert.equal(coerceAttributeValue(User, User.resolve(parseAttrPath('active')!)!, 'False', 'value'), false)
    assert.deepEqual(
      coerceAttributeValue(User, User.resolve(parseAttrPath(`${ENTERPRISE}:manager`)!)!, 'id9', 'value'),
      { value: 'id9' },
    )
    assert.equal(
      coerceAttributeValue(User, User.resolve(parseAttrPath('displayName')!)!, null, 'value'),
      undefined,
    )
  })

  test('members as Entra sends them', () => {
    const members = Group.resolve(parseAttrPath('members')!)!
    assert.deepEqual(
      coerceAttributeValue(Group, members, [{ $ref: null, value: 'u1' }], 'Operations[0].value'),
      [{ value: 'u1' }],
    )
    rejects(
      () => coerceAttributeValue(Group, members, [{ display: 'x' }], 'Operations[0].value'),
      'invalidValue',
      'Operations[0].value[0].value is required',
    )
    assert.equal(
      coerceAttributeValue(Group, Group.resolve(parseAttrPath('members.type')!)!, 'group', 'v'),
      'Group',
    )
  })

  test('refuses polluting keys', () => {
    rejects(
      () =>
        coerceAttributeValue(
          User,
          User.resolve(parseAttrPath('name')!)!,
          JSON.parse('{"__proto__":{}}'),
          'value',
        ),
      'invalidValue',
      "value.__proto__: the key '__proto__' is not allowed",
    )
  })
})

describe('value formats', () => {
  test('isXsdDateTime', () => {
    for (const ok of [
      '2008-01-23T04:56:22Z',
      '2008-01-23T04:56:22',
      '2008-01-23T04:56:22.123+05:30',
      '2000-02-29T00:00:00Z',
      '2008-01-23T24:00:00Z',
      '-0044-03-15T12:00:00-14:00',
      '12008-01-01T00:00:00Z',
    ]) {
      assert.ok(isXsdDateTime(ok), ok)
    }
    for (const bad of [
      '2008-01-23',
      '2008-01-23 04:56:22Z',
      '1900-02-29T00:00:00Z',
      '2008-04-31T00:00:00Z',
      '2008-01-23T24:00:01Z',
      '2008-01-23T04:60:00Z',
      '2008-01-23T04:56:22+15:00',
      '2008-1-23T04:56:22Z',
      '02008-01-01T00:00:00Z',
      '2008-01-23T04:56:22z',
    ]) {
      assert.ok(!isXsdDateTime(bad), bad)
    }
  })
  test('isBase64', () => {
    for (const ok of ['', 'AA==', 'AAA=', 'AAAA', 'ab+/']) assert.ok(isBase64(ok), ok)
    for (const bad of ['A', 'AA=', 'AA AA', 'ab-_', '====']) assert.ok(!isBase64(bad), bad)
  })
})

/** Flips the case of every letter in attribute names at random, as IdPs may. */
function recase(value: unknown, f: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => recase(v, f))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), recase(v, f)]))
  }
  return value
}

const text = fc.string({ maxLength: 8 })
const bool = fc.oneof(fc.boolean(), fc.constantFrom('true', 'False', 'TRUE'))
const emailArb = fc.record(
  {
    value: fc.oneof(text, fc.constant(null)),
    type: fc.constantFrom('work', 'home', 'Other'),
    primary: bool,
    display: text,
  },
  { requiredKeys: [] },
)
const userBody = fc.record(
  {
    schemas: fc.constantFrom(
      [SCHEMA_URNS.user],
      [SCHEMA_URNS.user, ENTERPRISE],
      [SCHEMA_URNS.user.toUpperCase(), 'urn:other'],
    ),
    userName: fc.string({ minLength: 1, maxLength: 12 }),
    id: text,
    externalId: fc.oneof(text, fc.constant(null)),
    displayName: text,
    active: bool,
    password: text,
    name: fc.record({ givenName: text, familyName: text, formatted: text }, { requiredKeys: [] }),
    'name.middleName': text,
    emails: fc.oneof(fc.array(emailArb, { maxLength: 3 }), emailArb, text),
    roles: fc.array(fc.oneof(text, fc.record({ value: text, primary: fc.constant(false) })), {
      maxLength: 2,
    }),
    groups: fc.array(fc.record({ value: text })),
    [ENTERPRISE]: fc.record(
      { employeeNumber: text, manager: fc.oneof(text, fc.record({ value: text, displayName: text })) },
      { requiredKeys: [] },
    ),
    [`${ENTERPRISE}:department`]: text,
    unknownThing: fc.anything(),
  },
  { requiredKeys: ['userName'] },
)

describe('coerceResource: properties', () => {
  const attempt = (x: unknown) => {
    try {
      return { ok: coerceResource(User, x) }
    } catch (e) {
      assert.ok(isScimError(e) && e.status === 400, `unexpected ${String(e)}`)
      return { error: e }
    }
  }

  test('idempotent: coerce(coerce(x)) equals coerce(x)', () => {
    fc.assert(
      fc.property(userBody, (body) => {
        const first = attempt(body)
        if (first.ok) assert.deepEqual(coerceResource(User, first.ok), first.ok)
      }),
      { numRuns: 500 },
    )
  })

  test('attribute names in any case give the same document', () => {
    fc.assert(
      fc.property(userBody, fc.func(fc.boolean()), (body, upper) => {
        const flipped = recase(body, (k) =>
          k === ENTERPRISE || k.startsWith('urn:') || !upper(k) ? k : k.toUpperCase(),
        )
        const a = attempt(body)
        const b = attempt(flipped)
        if (a.ok) assert.deepEqual(b.ok, a.ok)
      }),
      { numRuns: 300 },
    )
  })

  test('never throws anything but a 400 ScimError, and never keeps readOnly attributes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), userBody, fc.dictionary(fc.string(), fc.jsonValue())), (x) => {
        const result = attempt(x)
        if (result.ok) {
          for (const key of ['id', 'meta', 'groups']) assert.equal(key in result.ok, false)
          assert.equal(result.ok.schemas && (result.ok.schemas as string[])[0], SCHEMA_URNS.user)
        }
      }),
      { numRuns: 500 },
    )
  })

  test('Group documents never keep member $ref or display', () => {
    const member = fc.record(
      {
        value: fc.string({ minLength: 1 }),
        $ref: text,
        display: text,
        type: fc.constantFrom('User', 'group'),
      },
      { requiredKeys: ['value'] },
    )
    fc.assert(
      fc.property(fc.array(member), (members) => {
        const doc = coerceResource(Group, { displayName: 'g', members })
        for (const m of (doc.members ?? []) as Array<Record<string, unknown>>) {
          assert.deepEqual(
            Object.keys(m).filter((k) => k !== 'value' && k !== 'type'),
            [],
          )
        }
        assert.deepEqual(coerceResource(Group, doc), doc)
      }),
    )
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { isScimError } from '../errors.js'
import { coerceResource } from '../schema/coerce.js'
import { defaultRegistry } from '../schema/resource-types.js'
import { applyPatch } from './apply-patch.js'
import { parsePatchOp, type PatchOperation } from './patch-op.js'

const User = defaultRegistry().require('User')
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

type Doc = Record<string, unknown>

/** fast-check builds null-prototype objects; requests and stored documents come from JSON.parse. */
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

const text = fc.string({ minLength: 1, maxLength: 6 })
const emailType = fc.constantFrom('work', 'home', 'other')
const email = fc.record(
  {
    value: fc.constantFrom('a@example.com', 'b@example.com', 'c@example.org', 'D@EXAMPLE.COM'),
    type: emailType,
    primary: fc.boolean(),
  },
  { requiredKeys: ['value'] },
)
/** RFC 7643 §2.4: at most one primary, as in any stored document. */
const emails = fc.array(email, { maxLength: 4 }).map((list) => {
  let seen = false
  return list.map((e) => {
    if (e.primary !== true) return e
    if (seen) return { ...e, primary: false }
    seen = true
    return e
  })
})

/** A canonical User document, as `coerceResource` would store it. */
const userDocument: fc.Arbitrary<Doc> = fc
  .record(
    {
      displayName: text,
      name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
      active: fc.boolean(),
      emails: emails.filter((l) => l.length > 0),
      roles: fc.array(fc.record({ value: fc.constantFrom('admin', 'user') }), { minLength: 1, maxLength: 2 }),
      enterprise: fc.record({ employeeNumber: text, department: text }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  )
  .map(({ enterprise, ...core }) => {
    const doc: Doc = { schemas: [USER], userName: 'bjensen', ...core }
    if (doc.name && Object.keys(doc.name).length === 0) delete doc.name
    if (enterprise && Object.keys(enterprise).length > 0) {
      doc.schemas = [USER, ENTERPRISE]
      doc[ENTERPRISE] = enterprise
    }
    return json(doc)
  })

/** Paths with values that fit them: the shapes IdPs send (docs/idp-compatibility.md). */
const pathAndValue: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('displayName'), text),
  fc.tuple(fc.constant('nickName'), text),
  fc.tuple(fc.constant('name'), fc.record({ givenName: text, familyName: text }, { requiredKeys: [] })),
  fc.tuple(fc.constantFrom('name.givenName', 'NAME.familyName'), text),
  fc.tuple(fc.constant('active'), fc.constantFrom(true, false, 'True', 'False', 'false')),
  fc.tuple(fc.constant('emails'), emails),
  fc.tuple(fc.constantFrom('emails[type eq "work"].value', 'emails[type eq "home"].display'), text),
  fc.tuple(fc.constant('emails[type eq "home"]'), fc.record({ display: text })),
  fc.tuple(fc.constant('emails[value ew "example.com"].type'), emailType),
  fc.tuple(fc.constant('roles'), fc.array(fc.record({ value: fc.constantFrom('admin', 'user') }), { maxLength: 2 })),
  fc.tuple(fc.constantFrom(`${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager`), text),
  fc.tuple(fc.constant(ENTERPRISE), fc.record({ department: text }, { requiredKeys: [] })),
)

const pathless = fc.record(
  {
    displayName: text,
    'name.givenName': text,
    active: fc.constantFrom(true, 'False'),
    [`${ENTERPRISE}:costCenter`]: text,
    id: text,
  },
  { requiredKeys: [] },
)

const operationBody: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(fc.constantFrom('add', 'Replace'), pathAndValue).map(([op, [path, value]]) => ({ op, path, value })),
  pathAndValue.map(([path]) => ({ op: 'remove', path })),
  fc
    .array(fc.record({ value: fc.constantFrom('a@example.com', 'd@example.com') }), { maxLength: 2 })
    .map((value) => ({ op: 'remove', path: 'emails', value })),
  fc.record({ op: fc.constantFrom('add', 'replace'), value: pathless }),
).map(json)

const parse = (...Operations: unknown[]) => parsePatchOp(json({ schemas: [PATCH_OP], Operations }))

/** The result, or the ScimError; anything else thrown fails the property. */
function attempt(doc: Doc, operations: readonly PatchOperation[]): Doc | Error {
  try {
    return applyPatch(User, doc, operations)
  } catch (e) {
    if (isScimError(e)) return e
    throw e
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item)
    Object.freeze(value)
  }
  return value
}

describe('applyPatch properties', () => {
  test('replace with a path twice is the same as once', () => {
    fc.assert(
      fc.property(userDocument, pathAndValue, (doc, [path, value]) => {
        const op = { op: 'replace', path, value }
        const once = attempt(doc, parse(op))
        const twice = attempt(doc, parse(op, op))
        if (once instanceof Error) assert.ok(twice instanceof Error)
        else assert.deepEqual(twice, once)
      }),
    )
  })

  test('adding values a multi-valued attribute already has changes nothing', () => {
    fc.assert(
      fc.property(userDocument, fc.constantFrom('emails', 'roles'), emails, (doc, path, values) => {
        const items = path === 'emails' ? values : values.map((e) => ({ value: e.value }))
        const once = attempt(doc, parse({ op: 'add', path, value: items }))
        if (once instanceof Error) return
        assert.deepEqual(attempt(once, parse({ op: 'add', path, value: items })), once)
      }),
    )
  })

  test('the input document and the operations are never modified, and only ScimErrors are thrown', () => {
    fc.assert(
      fc.property(userDocument, fc.array(operationBody, { minLength: 1, maxLength: 6 }), (doc, bodies) => {
        const snapshot = structuredClone(doc)
        const operations = parse(...bodies)
        const opsSnapshot = structuredClone(operations)
        attempt(deepFreeze(doc), deepFreeze(operations))
        assert.deepEqual(doc, snapshot)
        assert.deepEqual(operations, opsSnapshot)
      }),
    )
  })

  test('a patched canonical document is still canonical', () => {
    fc.assert(
      fc.property(userDocument, fc.array(operationBody, { minLength: 1, maxLength: 6 }), (doc, bodies) => {
        const result = attempt(doc, parse(...bodies))
        if (result instanceof Error) return
        let canonical: Doc
        try {
          canonical = coerceResource(User, result)
        } catch (e) {
          // e.g. `userName` removed: the caller's validation answers that, not the engine.
          if (isScimError(e)) return
          throw e
        }
        assert.deepEqual(result, canonical)
      }),
    )
  })

  test('at most one primary email after any patch', () => {
    fc.assert(
      fc.property(userDocument, fc.array(operationBody, { minLength: 1, maxLength: 6 }), (doc, bodies) => {
        const result = attempt(doc, parse(...bodies))
        if (result instanceof Error || !Array.isArray(result.emails)) return
        assert.ok(result.emails.filter((e: Doc) => e.primary === true).length <= 1)
      }),
    )
  })
})

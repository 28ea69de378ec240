import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MAX_PATCH_OPERATIONS, parsePatchOp } from './patch-op.js'

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const body = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations })

describe('parsePatchOp: the envelope (RFC 7644 §3.5.2)', () => {
  test('reads the RFC example', () => {
    const ops = parsePatchOp({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: [
            {
              display: 'Babs Jensen',
              $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
              value: '2819c223-7f76-453a-919d-413861904646',
            },
          ],
        },
      ],
    })
    assert.equal(ops.length, 1)
    const [op] = ops
    assert.equal(op?.index, 0)
    assert.equal(op?.op, 'add')
    assert.equal(op?.pathText, 'members')
    assert.deepEqual(op?.path, { attrPath: { name: 'members' } })
    assert.equal((op?.value as unknown[]).length, 1)
  })

  test('matches the PatchOp URN and the member names in any case', () => {
    const ops = parsePatchOp({
      SCHEMAS: ['URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP'],
      operations: [{ OP: 'Replace', Path: 'active', Value: false }],
    })
    assert.deepEqual(ops.map((o) => [o.op, o.pathText, o.value]), [['replace', 'active', false]])
  })

  test('requires the PatchOp URN in schemas', () => {
    for (const schemas of [null, [], ['urn:ietf:params:scim:schemas:core:2.0:User'], 'nope']) {
      assert.throws(() => parsePatchOp({ schemas, Operations: [{ op: 'replace', path: 'active', value: false }] }), {
        status: 400,
        scimType: 'invalidSyntax',
        detail: `schemas: expected '${PATCH_OP}'`,
      })
    }
  })

  test('GitHub organisation SCIM example without schemas is accepted', () => {
    const [operation] = parsePatchOp({ Operations: [{ op: 'replace', value: { active: false } }] })
    assert.equal(operation?.op, 'replace')
  })

  test('requires a JSON object with a non-empty Operations array', () => {
    for (const value of [null, [], 'x', 3]) {
      assert.throws(() => parsePatchOp(value), {
        scimType: 'invalidSyntax',
        detail: 'PatchOp: the request body must be a JSON object',
      })
    }
    for (const Operations of [undefined, [], {}, 'add']) {
      assert.throws(() => parsePatchOp({ schemas: [PATCH_OP], Operations }), {
        scimType: 'invalidSyntax',
        detail: "'Operations' must be a non-empty array of operations",
      })
    }
  })

  test(`refuses more than ${MAX_PATCH_OPERATIONS} operations`, () => {
    const op = { op: 'replace', path: 'displayName', value: 'x' }
    const many = (n: number) => body(...Array.from({ length: n }, () => op))
    assert.equal(parsePatchOp(many(MAX_PATCH_OPERATIONS)).length, MAX_PATCH_OPERATIONS)
    assert.throws(() => parsePatchOp(many(MAX_PATCH_OPERATIONS + 1)), {
      status: 400,
      scimType: 'invalidValue',
      detail: 'Operations: at most 1000 operations are allowed in one request, found 1001',
    })
  })
})

describe('parsePatchOp: each operation', () => {
  test('op in any case; GitLab\'s Update means replace', () => {
    const ops = parsePatchOp(
      body(
        { op: 'Add', path: 'nickName', value: 'x' },
        { op: 'REPLACE', path: 'nickName', value: 'y' },
        { op: 'Remove', path: 'nickName' },
        { op: 'Update', path: 'active', value: 'false' },
      ),
    )
    assert.deepEqual(ops.map((o) => o.op), ['add', 'replace', 'remove', 'replace'])
    assert.deepEqual(ops.map((o) => o.index), [0, 1, 2, 3])
  })

  test('unknown or missing op', () => {
    assert.throws(() => parsePatchOp(body({ op: 'replace', path: 'a', value: 1 }, { op: 'delete', path: 'a' })), {
      scimType: 'invalidSyntax',
      detail: `Operations[1]: 'op' must be 'add', 'remove' or 'replace', found "delete"`,
    })
    assert.throws(() => parsePatchOp(body({ path: 'a', value: 1 })), {
      scimType: 'invalidSyntax',
      detail: "Operations[0]: 'op' is required",
    })
    assert.throws(() => parsePatchOp(body({ op: 7, path: 'a', value: 1 })), {
      scimType: 'invalidSyntax',
      detail: `Operations[0]: 'op' must be 'add', 'remove' or 'replace', found 7`,
    })
    assert.throws(() => parsePatchOp(body('add')), {
      scimType: 'invalidSyntax',
      detail: "Operations[0]: expected an object with 'op', 'path' and 'value'",
    })
  })

  test('remove without path has no target (RFC 7644 §3.5.2.2)', () => {
    assert.throws(
      () =>
        parsePatchOp(body({ op: 'add', path: 'a', value: 1 }, { op: 'add', path: 'b', value: 1 }, { op: 'remove' })),
      { status: 400, scimType: 'noTarget', detail: "Operations[2]: 'path' is required for op 'remove'" },
    )
    assert.throws(() => parsePatchOp(body({ op: 'remove', path: '  ', value: [{ value: 'u1' }] })), {
      scimType: 'noTarget',
    })
  })

  test("Entra's remove with a path and a value list is accepted", () => {
    const [op] = parsePatchOp(body({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }))
    assert.deepEqual(op, {
      index: 0,
      op: 'remove',
      path: { attrPath: { name: 'members' } },
      pathText: 'members',
      value: [{ value: 'u1' }],
    })
  })

  test('add and replace need a value; without a path it is an object', () => {
    assert.throws(() => parsePatchOp(body({ op: 'add', path: 'nickName' })), {
      scimType: 'invalidValue',
      detail: "Operations[0]: 'value' is required for op 'add'",
    })
    assert.throws(() => parsePatchOp(body({ op: 'Replace', path: 'nickName' })), {
      scimType: 'invalidValue',
      detail: "Operations[0]: 'value' is required for op 'replace'",
    })
    for (const value of ['x', [{ active: false }], null, false]) {
      assert.throws(() => parsePatchOp(body({ op: 'replace', value })), {
        scimType: 'invalidValue',
        detail: "Operations[0]: 'value' must be an object of attributes when 'path' is omitted",
      })
    }
    const [withNull] = parsePatchOp(body({ op: 'replace', path: 'nickName', value: null }))
    assert.equal(withNull?.value, null)
  })

  test('an empty path is no path', () => {
    const [op] = parsePatchOp(body({ op: 'replace', path: '', value: { active: false } }))
    assert.equal(op?.path, undefined)
    assert.equal(op?.pathText, undefined)
  })

  test('parses paths, and puts the operation in front of path errors', () => {
    const [op] = parsePatchOp(body({ op: 'replace', path: ' emails[type eq "work"].value ', value: 'x' }))
    assert.equal(op?.pathText, 'emails[type eq "work"].value')
    assert.equal(op?.path?.subAttr, 'value')
    assert.equal(op?.path?.valueFilter?.kind, 'compare')
    assert.throws(
      () =>
        parsePatchOp(body({ op: 'add', path: 'a', value: 1 }, { op: 'replace', path: 'emails[type eq]', value: 'x' })),
      (e: unknown) => {
        assert.equal((e as { scimType: string }).scimType, 'invalidPath')
        assert.match((e as Error).message, /^Operations\[1\]: path: /)
        return true
      },
    )
    assert.throws(() => parsePatchOp(body({ op: 'replace', path: 42, value: 'x' })), {
      scimType: 'invalidPath',
      detail: "Operations[0]: 'path' must be a string",
    })
  })

  test('refuses keys that reach a prototype', () => {
    const value = JSON.parse('{"name":{"__proto__":{"polluted":true}}}') as unknown
    assert.throws(() => parsePatchOp(body({ op: 'replace', value })), {
      scimType: 'invalidValue',
      detail: "Operations[0].value.name.__proto__: the key '__proto__' is not allowed",
    })
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  test('returns frozen operations', () => {
    const [op] = parsePatchOp(body({ op: 'replace', path: 'active', value: false }))
    assert.ok(Object.isFrozen(op))
  })
})

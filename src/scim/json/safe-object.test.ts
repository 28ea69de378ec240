import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { isScimError } from '../errors.js'
import { assertSafeObject, isPlainObject } from './safe-object.js'

function rejects(fn: () => void, detail: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isScimError(e))
    assert.equal(e.status, 400)
    assert.equal(e.scimType, 'invalidValue')
    assert.equal(e.detail, detail)
    return true
  })
}

describe('isPlainObject', () => {
  test('JSON objects only', () => {
    assert.ok(isPlainObject({}))
    assert.ok(isPlainObject(JSON.parse('{"a":1}')))
    assert.ok(isPlainObject(Object.create(null)))
    for (const v of [null, undefined, [], 'x', 1, true, new Date(), new Map(), new (class X {})()]) {
      assert.equal(isPlainObject(v), false, String(v))
    }
  })
})

describe('assertSafeObject', () => {
  test('accepts ordinary JSON', () => {
    assertSafeObject({ userName: 'u', emails: [{ value: 'a' }], name: { givenName: 'x' } })
    assertSafeObject('x')
    assertSafeObject(null)
  })

  test('refuses __proto__, constructor and prototype at any depth, with the path', () => {
    rejects(
      () => assertSafeObject(JSON.parse('{"__proto__":{"isAdmin":true}}')),
      "__proto__: the key '__proto__' is not allowed",
    )
    rejects(
      () => assertSafeObject({ a: [{ b: { constructor: 1 } }] }),
      "a[0].b.constructor: the key 'constructor' is not allowed",
    )
    rejects(
      () => assertSafeObject([{ prototype: 1 }], 'Operations'),
      "Operations[0].prototype: the key 'prototype' is not allowed",
    )
    rejects(
      () => assertSafeObject({ x: { Constructor: 1 } }, 'body'),
      "body.x.Constructor: the key 'Constructor' is not allowed",
    )
  })

  test('does not overflow the stack on hostile nesting', () => {
    let deep: unknown = { __proto__x: 1 }
    for (let i = 0; i < 200_000; i++) deep = [{ a: deep }]
    assertSafeObject(deep)
    const text = '['.repeat(100_000) + ']'.repeat(100_000)
    assertSafeObject(JSON.parse(text))
  })

  test('maxDepth counts containers, the root being 1', () => {
    assertSafeObject({ a: { b: {} } }, '', { maxDepth: 3 })
    rejects(
      () => assertSafeObject({ a: { b: { c: {} } } }, '', { maxDepth: 3 }),
      'a.b.c: nested deeper than 3 levels',
    )
    rejects(() => assertSafeObject([[[[]]]], 'v', { maxDepth: 3 }), 'v[0][0][0]: nested deeper than 3 levels')
  })

  test('never throws for JSON without forbidden keys', () => {
    const safeKey = fc
      .string()
      .filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k.toLowerCase()))
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 0 }),
        fc.array(tie('value')),
        fc.dictionary(safeKey, tie('value')),
      ),
    })).value
    fc.assert(fc.property(json, (v) => assertSafeObject(v)))
  })
})

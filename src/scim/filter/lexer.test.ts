import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { lex, type Token } from './lexer.js'

const fault = (message: string, position: number): never => {
  throw new Error(`${message} at position ${position}`)
}
const kinds = (text: string) => lex(text, fault).map((t) => t.kind)
const only = (text: string): Token => {
  const [token] = lex(text, fault)
  assert.ok(token)
  return token
}

describe('lex', () => {
  test('splits words, punctuation and strings, ending with end', () => {
    assert.deepEqual(kinds('emails[type eq "work"] and (title pr)'), [
      'word', '[', 'word', 'word', 'string', ']', 'word', '(', 'word', 'word', ')', 'end',
    ])
  })

  test('records offsets and source text', () => {
    const tokens = lex('  userName  eq "x"', fault)
    assert.deepEqual(
      tokens.map(({ kind, start, end, text }) => [kind, start, end, text]),
      [['word', 2, 10, 'userName'], ['word', 12, 14, 'eq'], ['string', 15, 18, '"x"'], ['end', 18, 18, '']],
    )
  })

  test('a URN with dots and colons is one word', () => {
    assert.equal(only('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value').kind, 'word')
  })

  test('words end at quotes and brackets but not at other punctuation', () => {
    assert.deepEqual(lex('jyoung@x.com)', fault).map((t) => t.text), ['jyoung@x.com', ')', ''])
    assert.deepEqual(lex('a"b"', fault).map((t) => t.kind), ['word', 'string', 'end'])
  })

  test('tabs, CR and LF are whitespace', () => {
    assert.deepEqual(kinds('a\tb\r\nc'), ['word', 'word', 'word', 'end'])
  })

  test('decodes every JSON escape', () => {
    assert.equal(only(String.raw`"\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"`).value, '" \\ / \b \f \n \r \t é 😀')
  })

  test('keeps non-ASCII text as is', () => {
    assert.equal(only('"Zoë Ångström"').value, 'Zoë Ångström')
  })

  test("reads single-quoted strings, with \\' as an escape", () => {
    assert.equal(only(String.raw`'O\'Malley "x"'`).value, `O'Malley "x"`)
  })

  test('rejects malformed strings with the position', () => {
    assert.throws(() => lex('a eq "abc', fault), { message: 'unterminated string starting at position 5' })
    assert.throws(() => lex('"ab\\', fault), { message: 'unterminated string starting at position 0' })
    assert.throws(() => lex('"a\\qb"', fault), { message: "invalid escape '\\q' in string at position 2" })
    assert.throws(() => lex('"\\u12G4"', fault), { message: 'invalid \\u escape in string at position 1' })
    assert.throws(() => lex('"\\u12"', fault), { message: 'invalid \\u escape in string at position 1' })
    assert.throws(() => lex('"a\nb"', fault), { message: 'control character in string at position 2' })
    assert.throws(() => lex(String.raw`"\'"`, fault), { message: "invalid escape '\\'' in string at position 1" })
    assert.throws(() => lex('ab\u0000c', fault), { message: 'control character at position 2' })
    assert.throws(() => lex('x eq \u007f', fault), { message: 'control character at position 5' })
  })
})

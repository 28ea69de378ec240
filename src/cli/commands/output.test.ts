import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { printable, printJson, table } from './output.js'

describe('CLI output', () => {
  test('a table: columns padded to their widest cell, two spaces apart, no trailing spaces', () => {
    assert.deepEqual(
      table(
        ['ID', 'NAME', 'NOTE'],
        [
          ['1', 'a long name', '-'],
          ['22', 'b', 'last column not padded'],
        ],
      ),
      ['ID  NAME         NOTE', '1   a long name  -', '22  b            last column not padded'],
    )
    assert.deepEqual(table(['A', 'B'], [['x', '']]), ['A  B', 'x'])
  })

  test('control characters are shown as escapes, in tables too, so they neither drive the terminal nor break rows', () => {
    assert.equal(printable('Mal\u001b[31mlory'), 'Mal\\x1b[31mlory')
    assert.equal(printable('two\nlines\tand\r\u0000\u009b'), 'two\\nlines\\tand\\r\\x00\\x9b')
    assert.equal(printable('Zoë 名前'), 'Zoë 名前')
    assert.deepEqual(table(['N', 'M'], [['a\nb', 'c']]), ['N     M', 'a\\nb  c'])
  })

  test('JSON keeps every value and escapes the C1 controls JSON.stringify leaves raw', () => {
    const lines: string[] = []
    printJson((s) => lines.push(s), { name: 'a\u001bb\u009bc\u007fd', n: 1 })
    const [text] = lines
    assert.ok(text !== undefined && !/[\u0000-\u001f\u007f-\u009f]/.test(text.replace(/\n/g, '')), text)
    assert.deepEqual(JSON.parse(text), { name: 'a\u001bb\u009bc\u007fd', n: 1 })
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { USAGE } from '../usage.js'

describe('help texts', () => {
  test('fit a terminal 100 columns wide', () => {
    for (const [command, text] of Object.entries(USAGE)) {
      for (const line of text.split('\n')) assert.ok(line.length <= 100, `${command}: ${line.length} columns: ${line}`)
    }
  })

  test("the main help's commands and each command's options are in aligned columns", () => {
    const commands = USAGE.main.split('\n\nEvery command')[0]!.split('\n').filter((l) => /^ {2}\S/.test(l))
    assert.ok(commands.length > 10, `${commands.length} commands`)
    const at = new Set(commands.map((l) => /^ {2}\S.*? {2,}(?=\S)/.exec(l)![0].length))
    assert.equal(at.size, 1, `descriptions start at columns ${[...at].join(', ')}`)
    for (const [command, text] of Object.entries(USAGE)) {
      // An option's line: two spaces, the option, at least two spaces, what it does.
      const options = text.split('\n').filter((l) => /^ {2}--\S+( \S+)? {2,}\S/.test(l))
      const starts = new Set(options.map((l) => /^ {2}--\S+( \S+)? {2,}/.exec(l)![0].length))
      assert.ok(starts.size <= 1, `${command}: option descriptions start at columns ${[...starts].join(', ')}`)
    }
  })

  test('every command the main help names has a help text of its own', () => {
    const named = new Set([...USAGE.main.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]))
    const keys = new Set(Object.keys(USAGE).map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)))
    for (const command of named) assert.ok(keys.has(command!), `no help text for '${command}'`)
  })
})

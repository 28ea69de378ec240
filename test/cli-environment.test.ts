/**
 * Every environment variable the code reads is documented, in one table (docs/configuration.md),
 * and the table lists nothing the code does not read.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ROOT } from './helpers/cli-process.js'

/** The shipped code: src/ (not its tests) and the launcher. */
function shippedFiles(): string[] {
  const files = [join(ROOT, 'bin', 'roster')]
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path)
    }
  }
  walk(join(ROOT, 'src'))
  return files
}

/** The variables of the first table of docs/configuration.md (the server's; the tests' table follows it). */
function documented(): Set<string> {
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')
  const table = doc.slice(0, doc.indexOf('\n## '))
  return new Set([...table.matchAll(/^\| `(ROSTER_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!))
}

test('every ROSTER_* name in src/ and bin/ is in the table of docs/configuration.md', () => {
  const table = documented()
  assert.ok(table.size >= 10, `the table was found: ${[...table].join(', ')}`)
  const missing = new Map<string, string>()
  for (const file of shippedFiles()) {
    for (const [name] of readFileSync(file, 'utf8').matchAll(/\bROSTER_[A-Z0-9_]+\b/g)) {
      if (!table.has(name)) missing.set(name, file.slice(ROOT.length))
    }
  }
  assert.deepEqual(Object.fromEntries(missing), {}, 'names used in the code but not documented (and where)')
})

test('every variable in the table is read by the code', () => {
  const code = shippedFiles()
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n')
  // A read, not a mention in a help text: env.ROSTER_X, env['ROSTER_X'], process.env.ROSTER_X.
  const read = (name: string) => new RegExp(`\\benv\\s*(?:\\.\\s*${name}\\b|\\[\\s*['"\`]${name}['"\`]\\s*\\])`).test(code)
  const unread = [...documented()].filter((name) => !read(name))
  assert.deepEqual(unread, [], 'documented but never read')
})

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

/**
 * The repository explains itself: no file in it may send a reader to notes that do not ship
 * with it (a sibling `shared` directory, and the four documents that were kept there). What the
 * code relies on is written in docs/ (design.md, idp-compatibility.md, benchmarks.md).
 *
 * The patterns are assembled from parts, so this file does not match them itself.
 */

const root = fileURLToPath(new URL('../../', import.meta.url))

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const SHARED_DIR = ['..', 'shared', ''].join('/')
const NOTES = ['architecture', 'idp-behaviour', 'product', 'style'].map((name) => `${name}.md`)
/** A note's name counts only as a whole file name, not as the end of a longer one. */
const FORBIDDEN = new RegExp(`${escape(SHARED_DIR)}|(?<![\\w-])(?:${NOTES.map(escape).join('|')})`, 'g')

/** Generated, and its text is the registry's, not ours. */
const EXEMPT = new Set(['package-lock.json'])
/** Where an untracked copy keeps what is not the repository's own. */
const NOT_SOURCE = new Set(['node_modules', 'dist', 'data', '.git'])

/** The tracked files; a copy without git (an unpacked archive) is walked instead. */
function repositoryFiles(): string[] {
  const git = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  if (git.status === 0 && git.stdout.length > 0) return git.stdout.split('\0').filter(Boolean)
  const files: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (NOT_SOURCE.has(entry.name)) continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) files.push(relative(root, path).split(sep).join('/'))
    }
  }
  walk(root)
  return files
}

/** `file:line: match` for every forbidden reference in `text`. */
function offences(file: string, text: string): string[] {
  const found: string[] = []
  text.split('\n').forEach((line, i) => {
    for (const match of line.matchAll(FORBIDDEN)) found.push(`${file}:${i + 1}: ${match[0]}`)
  })
  return found
}

describe('the repository explains itself', () => {
  test('the patterns catch every way the notes were cited, and nothing else', () => {
    for (const cited of [`see ${SHARED_DIR}docs`, ...NOTES.map((n) => `(${n} §3.1)`), `docs/${NOTES[0]}`]) {
      assert.equal(offences('x', cited).length, 1, cited)
    }
    // A longer name that ends like a note's ('life' + the style note's name) is not a citation.
    const longer = `life${NOTES.find((n) => n.startsWith('style')) ?? ''}`
    for (const fine of ['docs/design.md', 'docs/idp-compatibility.md', longer, 'shared/docs', 'product']) {
      assert.deepEqual(offences('x', fine), [], fine)
    }
  })

  test('no file cites the notes that do not ship with it', () => {
    const files = repositoryFiles()
    // The scan reaches tests too, this one included: a pass is not for want of files.
    assert.ok(files.includes('test/docs.test.ts'), `listed ${files.length} files from ${root}`)
    const found = files
      // A tracked file deleted in the working copy is not there to read.
      .filter((file) => !EXEMPT.has(file) && existsSync(join(root, file)))
      .flatMap((file) => {
        const text = readFileSync(join(root, file), 'utf8')
        return text.includes('\0') ? [] : offences(file, text)
      })
    assert.deepEqual(found, [], `cite docs/ instead:\n${found.join('\n')}`)
  })
})

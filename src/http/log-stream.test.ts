import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { LogStream } from './log-stream.js'

const dir = mkdtempSync(join(tmpdir(), 'roster-log-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const turn = () => new Promise((r) => setImmediate(r))

describe('LogStream', () => {
  test("writes a turn's lines when the turn ends, all of them, in order", async () => {
    const path = join(dir, `log-${++files}`)
    const fd = openSync(path, 'w')
    const stream = new LogStream(fd)
    const lines = Array.from({ length: 500 }, (_, i) => `{"n":${i},"pad":"${'é'.repeat(i % 7 === 0 ? 3000 : i % 50)}"}\n`)
    for (const line of lines.slice(0, 300)) stream.write(line)
    assert.equal(readFileSync(path, 'utf8'), '', 'nothing before the end of the turn')
    await turn()
    assert.equal(readFileSync(path, 'utf8'), lines.slice(0, 300).join(''))
    for (const line of lines.slice(300)) stream.write(line)
    await turn()
    assert.equal(readFileSync(path, 'utf8'), lines.join(''))
    closeSync(fd)
  })

  test('a descriptor that fails makes it a no-op instead of failing whoever logs', async () => {
    const fd = openSync(join(dir, `log-${++files}`), 'w')
    closeSync(fd)
    const stream = new LogStream(fd)
    assert.doesNotThrow(() => stream.write('lost\n'))
    await turn()
    // The descriptor's number now goes to another file, as numbers are reused (lowest first).
    // A stream that kept writing would put its lines there; a no-op one leaves it empty.
    const reused = join(dir, `log-${++files}`)
    const opened: number[] = []
    for (let i = 0; i < 64 && !opened.includes(fd); i++) opened.push(openSync(reused, 'a'))
    assert.ok(opened.includes(fd), `descriptor ${fd} was not given out again`)
    assert.doesNotThrow(() => {
      stream.write('also lost\n')
      stream.flush()
    })
    await turn()
    for (const other of opened) closeSync(other)
    assert.equal(readFileSync(reused, 'utf8'), '', 'nothing written after the failure')
  })

  test('a pipe that is read slowly gets every line, in order, none torn', async () => {
    const module = new URL('./log-stream.js', import.meta.url).href
    // Touching process.stdout makes the pipe non-blocking (libuv): writes then meet EAGAIN.
    const code = `process.stdout; const { LogStream } = await import(${JSON.stringify(module)}); const s = new LogStream(1); for (let i = 0; i < 20000; i++) s.write(JSON.stringify({ i, pad: 'x'.repeat(i % 300) }) + '\\n'); setTimeout(() => { for (let i = 20000; i < 20100; i++) s.write(JSON.stringify({ i }) + '\\n') }, 50)`
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.pause()
    await new Promise((r) => setTimeout(r, 300))
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stdout.resume()
    const status = await new Promise((r) => child.once('close', r))
    assert.equal(status, 0)
    const lines = Buffer.concat(chunks).toString('utf8').split('\n')
    assert.equal(lines.pop(), '')
    assert.equal(lines.length, 20100)
    lines.forEach((line, i) => assert.equal((JSON.parse(line) as { i: number }).i, i))
  })

  test('lines written just before the process exits are not lost', () => {
    const module = new URL('./log-stream.js', import.meta.url).href
    const code = `const { LogStream } = await import(${JSON.stringify(module)}); const s = new LogStream(1); for (let i = 0; i < 3; i++) s.write('line ' + i + '\\n'); process.exit(0)`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
    assert.equal(child.status, 0, child.stderr)
    assert.equal(child.stdout, 'line 0\nline 1\nline 2\n')
  })
})

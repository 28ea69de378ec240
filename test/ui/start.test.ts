/**
 * `roster serve` as a newcomer runs it: the banner names the admin UI and the command that makes
 * an admin token; that command's token signs in at the printed URL, in Chromium when present.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BIN, startServer, type ServerProcess } from '../helpers/server-process.js'
import { launch, unavailable } from './browser.js'

describe('the admin UI from a fresh `roster serve`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-ui-'))
  const database = `sqlite:${join(dir, 'roster.db')}`
  let server: ServerProcess
  let banner = ''

  before(async () => {
    execFileSync(BIN, ['migrate', '--database', database])
    server = await startServer(['--database', database])
    // The UI line follows the address line; the process may still be writing it.
    for (let i = 0; i < 100 && !/Admin UI: .*\n/.test(server.stdout()); i++) await new Promise((r) => setTimeout(r, 50))
    banner = server.stdout()
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('the banner prints the UI URL and how to get an admin token, and the URL serves the app', async () => {
    const line = /Admin UI: (\S+) \(sign in with an admin token: (.*)\)\n/.exec(banner)
    assert.ok(line, banner)
    assert.equal(line[1], `${server.address}/ui/`)
    assert.match(line[2]!, /admin-token create --instance --database /)
    const res = await fetch(line[1]!)
    assert.equal(res.status, 200)
    assert.match(await res.text(), /<div id="app">/)
  })

  test('the printed command makes a token that signs in at the printed URL', { skip: unavailable() }, async () => {
    const command = /sign in with an admin token: \S+ (admin-token create .*)\)\n/.exec(banner)![1]!.split(' ')
    const printed = execFileSync(BIN, command, { encoding: 'utf8' })
    const token = /roster_admin_\S+/.exec(printed)![0]
    const browser = await launch()
    try {
      const page = await browser.newPage()
      page.setDefaultTimeout(10_000)
      await page.goto(server.address)
      await page.getByRole('heading', { name: 'Sign in to Roster' }).waitFor()
      await page.getByLabel('Admin token', { exact: true }).fill(token)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor()
    } finally {
      await browser.close()
    }
  })
})

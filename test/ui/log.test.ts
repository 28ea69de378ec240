/**
 * The provisioning log pages in a real browser against a real server: the live view shows an
 * IdP's calls as they happen without a reload, pauses and resumes, announces new entries
 * politely, filters by what the URL says, pages back by cursor; an entry's page explains a
 * failure and shows a write's tolerances and diff. Each page is checked with axe in both themes,
 * by keyboard, and at phone width.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { assertAccessible, assertOpensFitting, launch, phoneContext, signIn, startUiServer, unavailable, watched, type UiServer } from './browser.js'

const skip = unavailable()
if (skip) console.log(`# skipped: ${skip}`)

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const LOG = '/ui/tenants/enterprise%3Aglobex/log'

describe('admin UI: the provisioning log in Chromium', { skip }, () => {
  let browser: Browser
  let server: UiServer
  let context: BrowserContext
  let page: Page
  let scimToken = ''
  let adaId = ''
  const checked: string[] = []

  before(async () => {
    server = await startUiServer()
    const tenant = await createTenant(server.store, 'enterprise', 'globex')
    scimToken = (await issueToken(server.store, tenant)).token
    await createTenant(server.store, 'enterprise', 'quiet')
    browser = await launch()
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    watched(page)
    await signIn(page, server)
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  async function accessible(name: string, p: Page = page) {
    await assertAccessible(p, name)
    checked.push(name)
  }

  async function scim(method: string, path: string, body?: unknown, agent = 'OKTA SCIM Integration') {
    const res = await fetch(`${server.url}/scim/v2/enterprises/globex${path}`, {
      method,
      headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json', 'user-agent': agent },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) }
  }
  const create = (userName: string, agent?: string) => scim('POST', '/Users', { schemas: [USER], userName, active: true }, agent)
  const rows = () => page.locator('table.log-table tbody tr')

  test('an empty log says what will appear there; the tab is in the tenant frame', async () => {
    await page.goto(`${server.url}/ui/tenants/enterprise%3Aquiet`)
    await page.getByRole('link', { name: 'Provisioning log' }).click()
    await page.getByRole('heading', { name: 'Provisioning log', level: 2 }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/ui/tenants/enterprise%3Aquiet/log')
    await page.getByText('No entries yet').waitFor()
    assert.equal(await page.getByRole('link', { name: 'Provisioning log' }).getAttribute('aria-current'), 'page')
    await accessible('log-empty')
  })

  test('the log lists the calls newest first, failures with their reason', async () => {
    adaId = (await create('ada@globex.example')).body.id
    assert.equal((await create('ADA@globex.example')).status, 409)
    await scim('PATCH', `/Users/${adaId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'title', value: 'Countess' }] }, 'Azure AD SCIM')
    await page.goto(server.url + LOG)
    await rows().first().waitFor()
    assert.equal(await rows().count(), 3)
    assert.match(await rows().nth(0).innerText(), /200[\s\S]*PATCH \/Users\/[\s\S]*Entra ID[\s\S]*ada@globex.example[\s\S]*changed title/)
    assert.match(await rows().nth(1).innerText(), /409[\s\S]*POST \/Users[\s\S]*Okta[\s\S]*uniqueness: userName "ADA@globex.example" is already taken/)
    assert.match(await rows().nth(2).innerText(), /201[\s\S]*POST \/Users/)
    await accessible('log')
  })

  test('new entries appear at the top without a reload, and are announced politely, in batches', async () => {
    // A page that reloaded would lose these: the mark, and the announcements heard so far.
    await page.evaluate(`
      window.__stayed = true
      window.__said = []
      const region = document.querySelector('[role=status][aria-live=polite]')
      new MutationObserver(() => region.textContent && window.__said.push([performance.now(), region.textContent]))
        .observe(region, { childList: true, characterData: true, subtree: true })`)
    const said = () => page.evaluate<[number, string][]>('window.__said')
    await create('grace@globex.example')
    await rows().first().filter({ hasText: 'grace@globex.example' }).waitFor()
    assert.equal(await rows().count(), 4)
    assert.equal(await page.evaluate('window.__stayed'), true, 'no reload')
    assert.match((await rows().first().getAttribute('class')) ?? '', /fresh/)
    // Polled from here: waitForFunction would evaluate inside the page, which its CSP forbids.
    for (let i = 0; i < 40 && (await said()).length === 0; i++) await page.waitForTimeout(250)
    assert.deepEqual((await said()).map(([, text]) => text), ['1 new entry in the log.'])

    // Five more, in quick succession: every one is counted, in announcements at least ten
    // seconds apart, never one each.
    for (const n of [1, 2, 3, 4, 5]) await create(`hopper${n}@globex.example`)
    await rows().first().filter({ hasText: 'hopper5@globex.example' }).waitFor()
    const counted = () => said().then((all) => all.reduce((sum, [, text]) => sum + Number(/^(\d+)/.exec(text)![1]), 0))
    for (let i = 0; i < 40 && (await counted()) < 6; i++) await page.waitForTimeout(500)
    const all = await said()
    assert.equal(await counted(), 6, JSON.stringify(all))
    assert.ok(all.length <= 3, `at most three announcements for six entries: ${JSON.stringify(all)}`)
    for (let i = 1; i < all.length; i++) assert.ok(all[i]![0] - all[i - 1]![0] >= 9_500, `announcements ten seconds apart: ${JSON.stringify(all)}`)
  })

  test('paused, the view stays as it is; resumed, it catches up with what came meanwhile', async () => {
    const pause = page.getByRole('button', { name: 'Pause live updates' })
    await pause.click()
    await page.getByRole('button', { name: 'Resume live updates', pressed: true }).waitFor()
    assert.match(await page.locator('.log-live').innerText(), /Paused/)
    const before = await rows().count()
    await create('paused@globex.example')
    await page.waitForTimeout(4_500)
    assert.equal(await rows().count(), before, 'nothing added while paused')
    await accessible('log-paused')
    await page.getByRole('button', { name: 'Resume live updates' }).click()
    await rows().first().filter({ hasText: 'paused@globex.example' }).waitFor()
    assert.equal(await rows().count(), before + 1)
  })

  test('filters go in the URL: the filtered view is a link, and new entries that match join it live', async () => {
    await page.getByLabel('Status').selectOption('4xx')
    await page.getByLabel('Client').selectOption('okta')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/status=4xx/)
    const url = new URL(page.url())
    assert.equal(url.searchParams.get('status'), '4xx')
    assert.equal(url.searchParams.get('client'), 'okta')
    await rows().nth(1).waitFor({ state: 'detached' })
    assert.equal(await rows().count(), 1)
    assert.match(await rows().first().innerText(), /409/)

    // The same link opened afresh shows the same view, its fields filled.
    await page.goto(page.url())
    await rows().first().waitFor()
    assert.equal(await rows().count(), 1)
    assert.equal(await page.getByLabel('Status').inputValue(), '4xx')
    assert.equal(await page.getByLabel('Client').inputValue(), 'okta')

    // A success does not join a failures-only view; a failure does.
    await create('ok@globex.example')
    await create('ok@globex.example')
    await rows().nth(1).waitFor()
    assert.equal(await rows().count(), 2)
    assert.match(await rows().first().innerText(), /ok@globex.example/)
    await accessible('log-filtered')

    // By user, method and a time range; Back returns to the previous filters.
    await page.goto(`${server.url}${LOG}?user=ada%40globex.example&method=PATCH`)
    await rows().first().waitFor()
    assert.equal(await rows().count(), 1)
    assert.match(await rows().first().innerText(), /PATCH/)
    assert.equal(await page.getByLabel('User', { exact: true }).inputValue(), 'ada@globex.example')
    await page.getByLabel('From (your time)').fill('2000-01-01T00:00:00')
    await page.getByLabel('To (before)').fill('2000-01-02T00:00:00')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.getByText('No entry matches these filters').waitFor()
    assert.match(new URL(page.url()).searchParams.get('to') ?? '', /^2000-01-0[12]T/)
    await accessible('log-no-match')
    await page.goBack()
    await rows().first().waitFor()
    assert.equal(await rows().count(), 1)
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await page.waitForURL((u) => u.search === '')
    await rows().nth(5).waitFor()
    // The tab itself leads to the whole log, from a filtered view too.
    await page.getByLabel('Status').selectOption('4xx')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/status=4xx/)
    await rows().nth(2).waitFor({ state: 'detached' })
    await page.getByRole('link', { name: 'Provisioning log' }).click()
    await page.waitForURL((u) => u.search === '')
    await rows().nth(5).waitFor()
    assert.equal(await page.getByLabel('Status').inputValue(), '')
  })

  test('a filter the API refuses is shown with its reason', async () => {
    await page.goto(`${server.url}${LOG}?from=yesterday`)
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /from: expected an ISO 8601 date/)
    await accessible('log-error')
  })

  test('older entries come by cursor, below the newest', async () => {
    const Operations = Array.from({ length: 60 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: { schemas: [USER], userName: `bulk${i}@globex.example` } }))
    const bulk = await scim('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations })
    assert.equal(bulk.status, 200)
    await page.goto(server.url + LOG)
    await rows().first().waitFor()
    assert.equal(await rows().count(), 50)
    assert.match(await rows().first().innerText(), /bulk #59/)
    await page.getByRole('button', { name: 'Show older entries' }).click()
    await rows().nth(50).waitFor()
    const total = 60 + 12 // the bulk creates, and the twelve calls before them
    await page.getByRole('button', { name: 'Show older entries' }).waitFor({ state: 'detached' })
    assert.equal(await rows().count(), total)
    assert.match(await rows().last().innerText(), /201[\s\S]*ada@globex.example/)
    await page.getByText('That is the oldest entry kept.').waitFor()
  })

  test('after a long pause or a burst, the view starts again from the newest instead of adding hundreds', async () => {
    await page.goto(server.url + LOG)
    await rows().first().waitFor()
    await page.getByRole('button', { name: 'Pause live updates' }).click()
    const Operations = Array.from({ length: 350 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `c${i}`, data: { schemas: [USER], userName: `burst${i}@globex.example` } }))
    assert.equal((await scim('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations })).status, 200)
    await page.getByRole('button', { name: 'Resume live updates' }).click()
    await rows().first().filter({ hasText: 'burst349@globex.example' }).waitFor({ timeout: 20_000 })
    await page.locator('.state.loading').waitFor({ state: 'detached' })
    assert.equal(await rows().count(), 50, 'the newest page, not every entry since the pause')
    assert.equal(await page.locator('[role=status][aria-live=polite]').innerText(), 'Many new entries: the list starts again from the newest.')
    await page.getByRole('button', { name: 'Show older entries' }).waitFor()
  })

  test('a failed call’s page explains it in plain words, with everything recorded', async () => {
    await page.goto(`${server.url}${LOG}?status=4xx`)
    await rows().first().waitFor()
    await rows().last().getByRole('link').click()
    await page.getByRole('heading', { name: /Why it failed: userName already exists/ }).waitFor()
    assert.match(new URL(page.url()).pathname, /^\/ui\/tenants\/enterprise%3Aglobex\/log\/\d+$/)
    const explanation = await page.locator('.explain').innerText()
    assert.match(explanation, /What was sent\s+Okta asked to create the user 'ADA@globex.example'/)
    assert.match(explanation, /Why Roster refused it\s+Roster already has a user with this userName/)
    assert.match(explanation, /What to change\s+Make Okta match existing users by userName/)
    const facts = await page.locator('dl.call-facts').innerText()
    for (const fact of [/Status\s+409/, /scimType\s+uniqueness/, /Client\s+Okta/, /User-Agent\s+OKTA SCIM Integration/, /Token\s+\S/, /Duration\s+[\d.]+ ms/]) {
      assert.match(facts, fact)
    }
    await page.getByText('Nothing changed: the call failed.').waitFor()
    await accessible('log-entry-failure')
    // The request id leads to the entries of that request.
    await page.getByRole('link', { name: 'entries of this request' }).click()
    await page.waitForURL(/requestId=/)
    await rows().first().waitFor()
    assert.equal(await rows().count(), 1)
  })

  test('a write’s page: the tolerances applied, the diff before and after, links to the user and its entries', async () => {
    const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Ops', members: [{ value: adaId, type: 'Group' }] })
    assert.equal(created.status, 201)
    await page.goto(`${server.url}${LOG}?resourceType=Group`)
    await rows().first().getByRole('link').click()
    await page.getByRole('heading', { name: 'Tolerance rules applied' }).waitFor()
    assert.match(await page.locator('main').innerText(), new RegExp(`member type corrected: ${adaId} User \\(sent Group\\)`))
    assert.match(await page.locator('table.diff').innerText(), new RegExp(`members\\s+Added 1: ${adaId}`))
    assert.equal(await page.locator('.explain').count(), 0, 'a success has no explanation')
    await accessible('log-entry-group')

    await page.goto(`${server.url}${LOG}?method=PATCH`)
    await rows().first().getByRole('link').click()
    const diff = page.locator('table.diff')
    await diff.waitFor()
    assert.match(await diff.innerText(), /title\s+before:\s+\(absent\)\s+after:\s+Countess/)
    assert.match(await page.locator('main').innerText(), /None: Roster took the request as it was sent/)
    await accessible('log-entry-write')
    await page.getByRole('link', { name: 'User ada@globex.example' }).click()
    await page.getByRole('heading', { name: 'ada@globex.example', level: 2 }).waitFor()
    await page.goBack()
    await page.getByRole('link', { name: 'all its entries' }).click()
    await rows().first().waitFor()
    assert.ok((await rows().count()) >= 2, 'the create and the patch of ada')
  })

  test('the user page leads to the user’s entries and to each entry', async () => {
    await page.goto(`${server.url}/ui/tenants/enterprise%3Aglobex/users/${adaId}`)
    await page.getByRole('heading', { name: 'Provisioning history' }).waitFor()
    await page.getByRole('link', { name: 'This user in the provisioning log' }).click()
    await page.waitForURL((u) => u.pathname === LOG && u.searchParams.get('user') === adaId)
    await rows().first().waitFor()
    assert.equal(await page.getByLabel('User', { exact: true }).inputValue(), adaId)
    assert.deepEqual((await rows().allInnerTexts()).map((t) => /\b(200|201)\b/.exec(t)?.[1]), ['200', '201'])
    await page.goBack()
    await page.locator('ol.history').getByRole('link', { name: /^PATCH / }).click()
    await page.getByRole('heading', { name: 'The call' }).waitFor()
    assert.match(await page.locator('table.diff').innerText(), /Countess/)
  })

  test('an entry that does not exist is a clear error', async () => {
    await page.goto(`${server.url}${LOG}/999999`)
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /Error 404.*no entry 999999/s)
    await accessible('log-entry-missing')
  })

  test('keyboard only: filter, pause and open an entry', async () => {
    await page.goto(server.url + LOG)
    await rows().first().waitFor()
    await page.getByLabel('Status').focus()
    await page.keyboard.press('ArrowDown') // 2xx
    let onApply = false
    for (let i = 0; i < 20 && !onApply; i++) {
      await page.keyboard.press('Tab')
      onApply = await page.evaluate(`document.activeElement?.textContent === 'Apply filters'`)
    }
    assert.ok(onApply, 'Tab reaches Apply filters')
    await page.keyboard.press('Enter')
    await page.waitForURL(/status=2xx/)
    let onPause = false
    await page.getByRole('heading', { level: 1 }).focus()
    for (let i = 0; i < 20 && !onPause; i++) {
      await page.keyboard.press('Tab')
      onPause = await page.evaluate(`document.activeElement?.textContent === 'Pause live updates'`)
    }
    assert.ok(onPause, 'Tab reaches the pause button')
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: 'Resume live updates', pressed: true }).waitFor()
    await page.keyboard.press('Space')
    await page.getByRole('button', { name: 'Pause live updates', pressed: false }).waitFor()
    await rows().first().getByRole('link').focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'The call' }).waitFor()
    assert.equal(await page.evaluate(`document.activeElement?.tagName`), 'H1', 'focus moves to the new page heading')
  })

  test('at phone width (375 px) the log and an entry fit without sideways scrolling', async () => {
    const phone = await phoneContext(browser)
    try {
      const p = await phone.newPage()
      await signIn(p, server)
      await p.goto(`${server.url}${LOG}`)
      await p.locator('table.log-table tbody tr').first().waitFor()
      assert.equal(await p.locator('details.log-filters').getAttribute('open'), null, 'on a phone the list comes first, filters folded')
      await p.goto(`${server.url}${LOG}?status=4xx`)
      await p.locator('table.log-table tbody tr').first().waitFor()
      assert.equal(await p.locator('details.log-filters').getAttribute('open'), '', 'filters in use are shown')
      const entry = await p.locator('table.log-table tbody tr').last().getByRole('link').getAttribute('href')
      for (const [name, path] of [
        ['log', LOG],
        ['log-entry', entry!],
      ] as const) {
        await assertOpensFitting(p, server.url + path, name)
      }
      await accessible('phone-log-entry', p)
    } finally {
      await phone.close()
    }
  })

  test('every log page was checked with axe in both themes', () => {
    assert.deepEqual([...new Set(checked)].sort(), [
      'log',
      'log-empty',
      'log-entry-failure',
      'log-entry-group',
      'log-entry-missing',
      'log-entry-write',
      'log-error',
      'log-filtered',
      'log-no-match',
      'log-paused',
      'phone-log-entry',
    ])
  })
})

/**
 * The connection test, the rate limits in the settings form and the login history, in a real
 * browser against a real server: an admin runs Entra ID's and Okta's calls against a tenant
 * (nothing is kept), sees a failing step with its SCIM error, gives a tenant a tiny budget that
 * the SCIM endpoints then enforce, and reads an account's sign-ins and tokens page by page.
 * Every new view is checked with axe-core in the light and the dark theme, and at 375 px.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { assertAccessible, assertFits, launch, phoneContext, signIn, startUiServer, unavailable, watched, type UiServer } from './browser.js'

const skip = unavailable()
if (skip) console.log(`# skipped: ${skip}`)

describe('connection test, rate limits and login history in Chromium', { skip }, () => {
  let browser: Browser
  let server: UiServer
  let context: BrowserContext
  let page: Page
  let scimToken = ''
  let accountId = ''
  let userId = ''

  before(async () => {
    server = await startUiServer()
    const tenant = await createTenant(server.store, 'enterprise', 'initech')
    scimToken = (await issueToken(server.store, tenant)).token
    const off = await createTenant(server.store, 'enterprise', 'dormant')
    await server.store.updateTenantSettings(off.id, { ...off.settings, scimEnabled: false })
    browser = await launch()
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    watched(page)
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  async function accessible(name: string) {
    await assertAccessible(page, name)
  }

  async function call(method: string, path: string, token: string, body?: unknown, type = 'application/json') {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': type }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
  }
  const scimUsers = async () => (await call('GET', '/scim/v2/enterprises/initech/Users', scimToken)).body.totalResults as number

  test('sign in and open the connect page', async () => {
    await page.goto(server.url + '/ui/')
    await page.getByLabel('Admin token', { exact: true }).fill(server.adminToken)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor()
    await page.goto(server.url + '/ui/tenants/enterprise%3Ainitech/connect')
    await page.getByRole('heading', { name: 'Test the connection' }).waitFor()
    await page.getByText('No test run yet.').waitFor()
  })

  test("Entra ID's calls pass step by step, and nothing is kept", async () => {
    const before = await scimUsers()
    await page.getByLabel('Test as').selectOption('entra')
    await page.getByRole('button', { name: 'Run the test' }).click()
    await page.getByText('All 14 calls Entra ID makes passed.').waitFor()
    const steps = page.getByRole('list', { name: 'Steps of the connection test' }).getByRole('listitem')
    assert.equal(await steps.count(), 14)
    assert.match(await steps.nth(3).innerText(), /passed[\s\S]*Create the user[\s\S]*POST \/scim\/v2\/enterprises\/initech\/Users[\s\S]*Answered 201/)
    await steps.nth(3).getByText('Request body of step 4').click()
    assert.match(await steps.nth(3).locator('pre').innerText(), /"active": "True"/)
    assert.equal(await scimUsers(), before, 'the probe user is gone')
    await accessible('connection-test')
  })

  test("Okta's calls pass too, run from the keyboard alone", async () => {
    await page.getByLabel('Test as').focus()
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.getByLabel('Test as').inputValue(), 'okta')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Run the test')
    await page.keyboard.press('Enter')
    await page.getByText('All 14 calls Okta makes passed.').waitFor()
    assert.equal(await scimUsers(), 0)
  })

  test('a tenant with SCIM off: the first step fails with the SCIM error, the rest are not run', async () => {
    await page.goto(server.url + '/ui/tenants/enterprise%3Adormant/connect')
    await page.getByRole('button', { name: 'Run the test' }).click()
    await page.getByText(/Entra ID would fail at step 1/).waitFor()
    const steps = page.getByRole('list', { name: 'Steps of the connection test' }).getByRole('listitem')
    assert.match(await steps.nth(0).innerText(), /failed[\s\S]*Answered 403 \(expected 200\)[\s\S]*SCIM error 403[\s\S]*SCIM provisioning is disabled for this tenant/)
    assert.match(await steps.nth(1).innerText(), /skipped[\s\S]*Not run: an earlier step failed\./)
    await accessible('connection-test-failed')
  })

  test('rate limits: a bad budget is explained; a tiny one is saved and the SCIM endpoints enforce it', async () => {
    await page.goto(server.url + '/ui/tenants/enterprise%3Ainitech')
    await page.getByLabel('Limits').selectOption('custom')
    await page.getByRole('group', { name: 'Per SCIM token' }).getByLabel('Limit').uncheck()
    const perTenant = page.getByRole('group', { name: 'Per tenant (all its tokens together)' })
    await perTenant.getByLabel('Requests').fill('0')
    await page.getByRole('button', { name: 'Save settings' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /rateLimits\/tenant/)
    await accessible('settings-rate-limits')

    await perTenant.getByLabel('Requests').fill('3')
    await perTenant.getByLabel('Per', { exact: true }).selectOption('minute')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved.').waitFor()
    const tenant = await server.store.findTenant('enterprise', 'initech')
    assert.deepEqual(tenant?.settings.rateLimits, { profile: 'custom', token: null, tenant: { requests: 3, per: 'minute' } })

    const statuses: number[] = []
    let refused
    for (let i = 0; i < 6 && !refused; i++) {
      const res = await call('GET', '/scim/v2/enterprises/initech/Users', scimToken)
      statuses.push(res.status)
      if (res.status === 429) refused = res
    }
    assert.ok(refused, `a 429 came: ${statuses.join(',')}`)
    assert.ok(Number(refused.headers.get('retry-after')) >= 1)
    assert.match(refused.body.detail, /3 requests a minute/)

    // Reloaded, the form shows what was saved; back to the server's limits.
    await page.reload()
    await page.getByLabel('Limits').waitFor()
    assert.equal(await page.getByLabel('Limits').inputValue(), 'custom')
    assert.equal(await perTenant.getByLabel('Requests').inputValue(), '3')
    await page.getByLabel('Limits').selectOption('server')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved.').waitFor()
    assert.equal((await server.store.findTenant('enterprise', 'initech'))?.settings.rateLimits, undefined)
  })

  test("the user page: the account's sign-ins and tokens, newest first, page by page", async () => {
    const created = await call('POST', '/scim/v2/enterprises/initech/Users', scimToken, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'milton@initech.example',
      emails: [{ value: 'milton@initech.example', primary: true }],
    }, 'application/scim+json')
    assert.equal(created.status, 201, JSON.stringify(created.body))
    userId = created.body.id
    const details = await call('GET', `/admin/v1/tenants/enterprise:initech/scim-users/${userId}`, server.adminToken)
    accountId = details.body.account.id
    const base = `/admin/v1/tenants/enterprise:initech/accounts/${accountId}`
    const made: { id: string; secret: string }[] = []
    for (let i = 1; i <= 11; i++) {
      const res = await call('POST', `${base}/sessions`, server.adminToken, { name: `laptop ${i}`, expiresInDays: 1 })
      assert.equal(res.status, 201)
      made.push(res.body)
    }
    assert.equal((await call('POST', `${base}/tokens`, server.adminToken, { name: 'stapler-bot' })).status, 201)
    assert.equal((await call('POST', '/admin/v1/tenants/enterprise:initech/sessions/verify', server.adminToken, { secret: made[10]!.secret })).status, 200)
    assert.equal((await call('DELETE', `${base}/sessions/${made[9]!.id}`, server.adminToken)).status, 204)

    await page.goto(`${server.url}/ui/tenants/enterprise%3Ainitech/users/${userId}`)
    await page.getByRole('heading', { name: 'Login history' }).waitFor()
    const rows = page.getByRole('table', { name: /Sign-ins and tokens/ }).getByRole('row')
    await rows.nth(1).waitFor()
    assert.equal(await rows.count(), 11, 'a header and ten rows')
    assert.match(await rows.nth(1).innerText(), /Token created\s+stapler-bot[\s\S]*never[\s\S]*active/)
    assert.match(await rows.nth(2).innerText(), /Sign-in\s+laptop 11[\s\S]*active/)
    assert.doesNotMatch(await rows.nth(2).innerText(), /never/, 'laptop 11 was used')
    assert.match(await rows.nth(3).innerText(), /laptop 10[\s\S]*revoked/)
    await accessible('login-history')
    await page.getByRole('navigation', { name: 'Login history pages' }).getByRole('button', { name: 'Next' }).click()
    await page.getByText('Page 2').waitFor()
    // The second page's last row shown means its rows have replaced the first page's.
    await rows.filter({ hasText: /laptop 1\b/ }).waitFor()
    assert.equal(await rows.count(), 3)
    assert.match(await rows.nth(2).innerText(), /laptop 1\b/)
  })

  test('at phone width (375 px) the new views fit without sideways scrolling', async () => {
    const phone = await phoneContext(browser)
    try {
      const p = await phone.newPage()
      await signIn(p, server)
      const fits = (name: string) => assertFits(p, name)
      await p.goto(`${server.url}/ui/tenants/enterprise%3Ainitech/connect`)
      await p.getByRole('button', { name: 'Run the test' }).click()
      await p.getByText('All 14 calls Entra ID makes passed.').waitFor()
      await p.getByText('Request body of step 4').click()
      await fits('connection-test')
      await p.goto(`${server.url}/ui/tenants/enterprise%3Ainitech`)
      await p.getByLabel('Limits').selectOption('custom')
      await fits('settings-rate-limits')
      await p.goto(`${server.url}/ui/tenants/enterprise%3Ainitech/users/${userId}`)
      await p.getByRole('heading', { name: 'Login history' }).waitFor()
      await p.locator('.state.loading').first().waitFor({ state: 'detached' })
      await fits('login-history')
    } finally {
      await phone.close()
    }
  })
})

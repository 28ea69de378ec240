/**
 * The admin UI in a real browser against a real server: an admin signs in, creates a tenant,
 * changes a setting, connects an IdP with a SCIM token, finds the user the IdP provisions, reads
 * its page, tries to suspend it (explained under require-SCIM, done without), and signs out.
 * Every page is checked with axe-core in the light and the dark theme.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { assertAccessible, assertOpensFitting, launch, phoneContext, signIn, startUiServer, unavailable, watched, type UiServer } from './browser.js'

const skip = unavailable()
if (skip) console.log(`# skipped: ${skip}`)

describe('admin UI journeys in Chromium', { skip }, () => {
  let browser: Browser
  let server: UiServer
  let context: BrowserContext
  let page: Page
  /** Pages checked with axe, in both themes. */
  const checked: string[] = []

  before(async () => {
    server = await startUiServer()
    browser = await launch()
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    watched(page)
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  const heading = () => page.getByRole('heading', { level: 1 })

  /** axe finds nothing on the page in the light theme, then in the dark one (it is left light). */
  async function accessible(name: string) {
    await assertAccessible(page, name)
    checked.push(name)
  }

  async function scim(method: string, path: string, token: string, body?: unknown) {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: (await res.json()) as any }
  }

  let scimToken = ''

  test('/ leads to the sign-in page, which says how to get an admin token', async () => {
    await page.goto(server.url + '/')
    assert.equal(new URL(page.url()).pathname, '/ui/')
    await heading().filter({ hasText: 'Sign in to Roster' }).waitFor()
    assert.match(await page.locator('main').innerText(), /roster admin-token create --instance/)
    await accessible('sign-in')
  })

  test('a bad token is refused with the reason shown', async () => {
    await page.getByLabel('Admin token', { exact: true }).fill('roster_admin_not-a-real-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /Could not sign in.*not valid/s)
    await accessible('sign-in-error')
  })

  test('signing in with an admin token opens the tenants list, with health at a glance', async () => {
    await page.getByLabel('Admin token', { exact: true }).fill(server.adminToken)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await heading().filter({ hasText: 'Tenants' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/ui/tenants')
    // The cookie holds the session; the page never stored the token.
    const [cookie] = await context.cookies()
    assert.equal(cookie?.name, 'roster_session')
    assert.equal(cookie?.httpOnly, true)
    assert.equal(cookie?.sameSite, 'Lax')
    assert.equal(await page.evaluate(`JSON.stringify(localStorage).includes('roster_admin_')`), false)
    await page.getByRole('row', { name: /Instance/ }).getByText('no successful call yet').waitFor()
    await accessible('tenants')
  })

  test('creating an enterprise opens its settings', async () => {
    await page.getByRole('radio', { name: 'Enterprise' }).check()
    await page.getByLabel('Slug').fill('globex')
    await page.getByRole('button', { name: 'Create tenant' }).click()
    await heading().filter({ hasText: 'globex' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/ui/tenants/enterprise%3Aglobex')
    assert.equal(await page.getByLabel('Short code').inputValue(), 'globex')
    assert.equal(await page.getByLabel('Short code').getAttribute('readonly'), '')
    await accessible('tenant-settings')
  })

  test('a setting is changed and saved; a bad value is explained', async () => {
    await page.getByLabel('Provisioning log retention (days)').fill('0')
    await page.getByRole('button', { name: 'Save settings' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /logRetentionDays/)
    await page.getByLabel('Provisioning log retention (days)').fill('14')
    await page.getByLabel('Keep email when suspended').check()
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved.').waitFor()
    const tenant = await server.store.findTenant('enterprise', 'globex')
    assert.equal(tenant?.settings.keepEmail, true)
    assert.equal(tenant?.settings.logRetentionDays, 14)
  })

  test('connecting an IdP: the tenant URL, a guide per IdP, a token shown once, the token list', async () => {
    await page.getByRole('link', { name: 'Connect an IdP' }).click()
    await page.getByRole('heading', { name: 'Tenant URL' }).waitFor()
    assert.equal(await page.locator('#tenant-url').inputValue(), `${server.url}/scim/v2/enterprises/globex`)
    await page.getByRole('tab', { name: 'Okta' }).click()
    assert.match(await page.getByRole('tabpanel').innerText(), /SCIM connector base URL/)
    await page.getByText('No SCIM tokens yet').waitFor()
    await page.getByLabel('Name (optional)').fill('Entra')
    await page.getByRole('button', { name: 'Create token' }).click()
    const secret = page.locator('#issued-secret')
    await secret.waitFor()
    scimToken = await secret.inputValue()
    assert.match(scimToken, /^roster_[A-Za-z0-9_-]{43}$/)
    assert.match(await page.locator('.secret').innerText(), /shown only once/)
    await page.getByRole('row', { name: /Entra/ }).waitFor()
    await accessible('connect')
    await page.getByRole('button', { name: 'I have copied it' }).click()
    assert.equal(await page.locator('#issued-secret').count(), 0, 'the secret is gone once dismissed')
  })

  test('the IdP provisions a user with that token', async () => {
    const created = await scim('POST', '/scim/v2/enterprises/globex/Users', scimToken, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@globex.example',
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@globex.example', primary: true }],
      active: true,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    await scim('POST', '/scim/v2/enterprises/globex/Users', scimToken, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'grace@globex.example',
      emails: [{ value: 'grace@globex.example', primary: true }],
    })
  })

  test('users: found by search and by SCIM filter; a bad filter shows where it went wrong', async () => {
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('row', { name: /grace@globex.example/ }).waitFor()
    await accessible('users')

    await page.getByLabel('Search', { exact: true }).fill('ADA')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByRole('row', { name: /grace/ }).waitFor({ state: 'detached' })
    await page.getByRole('row', { name: /ada@globex.example/ }).waitFor()
    assert.equal(await page.getByRole('row', { name: /grace/ }).count(), 0)

    await page.getByLabel('SCIM filter').fill('emails.value eq "grace@globex.example"')
    await page.getByRole('button', { name: 'Apply filter' }).click()
    await page.getByRole('row', { name: /grace@globex.example/ }).waitFor()
    assert.equal(await page.getByRole('row', { name: /ada@globex/ }).count(), 0)

    await page.getByLabel('SCIM filter').fill('userName eq "ada" and nosuch eq 1')
    await page.getByRole('button', { name: 'Apply filter' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /not valid.*position \d+/s)
    assert.match(await page.locator('.filter-fault').innerText(), /\^/)
    await accessible('users-bad-filter')

    await page.getByLabel('SCIM filter').fill('')
    await page.getByRole('button', { name: 'Apply filter' }).click()
    await page.getByRole('button', { name: 'User name' }).click()
    await page.getByRole('button', { name: 'User name' }).click()
    const firstRow = page.getByRole('row').nth(1)
    await firstRow.filter({ hasText: 'grace' }).waitFor()
    assert.equal(await page.getByRole('columnheader', { name: /User name/ }).getAttribute('aria-sort'), 'descending')
  })

  test('the user page: attributes, account, history with its diff; suspending is explained under require-SCIM', async () => {
    await page.getByRole('link', { name: 'ada@globex.example' }).click()
    await page.getByRole('heading', { name: 'ada@globex.example', level: 2 }).waitFor()
    await page.getByRole('heading', { name: 'Provisioning history' }).waitFor()
    assert.match(await page.locator('main').innerText(), /Groups[\s\S]*Not a member of any group[\s\S]*Teams[\s\S]*In no team/)
    const history = page.locator('ol.history')
    await history.getByText(/POST \/scim\/v2\/enterprises\/globex\/Users/).waitFor()
    assert.match(await history.locator('table.diff').first().innerText(), /userName[\s\S]*ada@globex.example/)
    await accessible('user')

    await page.getByRole('button', { name: 'Suspend account' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /Managed by the identity provider.*requires SCIM/s)
    await accessible('user-require-scim')

    // Without require-SCIM, the admin may suspend.
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByLabel('Require SCIM').uncheck()
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved.').waitFor()
    await page.goBack()
    await page.getByRole('button', { name: 'Suspend account' }).click()
    await page.getByRole('button', { name: 'Unsuspend account' }).waitFor()
    assert.match(await page.locator('dl.facts').first().innerText(), /suspended/)
  })

  test('the theme toggle switches to dark and is remembered', async () => {
    const toggle = page.getByRole('button', { name: 'Dark theme' })
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false')
    await toggle.click()
    assert.equal(await page.evaluate(`document.documentElement.dataset.theme`), 'dark')
    await page.reload()
    await page.getByRole('button', { name: 'Dark theme', pressed: true }).waitFor()
    assert.equal(await page.evaluate(`document.documentElement.dataset.theme`), 'dark')
    await page.getByRole('button', { name: 'Dark theme' }).click()
    assert.equal(await page.evaluate(`document.documentElement.dataset.theme`), 'light')
  })

  test('signing out ends the session: the pages ask to sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await heading().filter({ hasText: 'Sign in to Roster' }).waitFor()
    assert.deepEqual(
      (await context.cookies()).filter((c) => c.name === 'roster_session'),
      [],
    )
    await page.goto(`${server.url}/ui/tenants`)
    await heading().filter({ hasText: 'Sign in to Roster' }).waitFor()
  })

  test('keyboard only: sign in, reach a tenant, and its tabs', async () => {
    const keyboard = await browser.newPage()
    try {
      await keyboard.goto(`${server.url}/ui/`)
      await keyboard.getByRole('heading', { name: 'Sign in to Roster' }).waitFor()
      // The first Tab goes to the theme toggle after the heading, the next to the token field.
      let reached = false
      for (let i = 0; i < 6 && !reached; i++) {
        await keyboard.keyboard.press('Tab')
        reached = await keyboard.evaluate(`document.activeElement?.id === 'admin-token'`)
      }
      assert.ok(reached, 'Tab reaches the token field')
      await keyboard.keyboard.type(server.adminToken)
      await keyboard.keyboard.press('Enter')
      await keyboard.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor()
      // Focus is on the new page's heading; Tab goes on from there to the tenant links.
      assert.equal(await keyboard.evaluate(`document.activeElement?.tagName`), 'H1')
      let onTenant = false
      for (let i = 0; i < 20 && !onTenant; i++) {
        await keyboard.keyboard.press('Tab')
        onTenant = await keyboard.evaluate(`document.activeElement?.textContent === 'globex'`)
      }
      assert.ok(onTenant, 'Tab reaches the tenant link')
      await keyboard.keyboard.press('Enter')
      await keyboard.getByRole('heading', { name: /globex/, level: 1 }).waitFor()
      const focused = await keyboard.evaluate(`document.activeElement?.tagName`)
      assert.equal(focused, 'H1', 'focus moves to the new page heading')
      // The guide tabs follow the ARIA pattern: arrow keys move between them.
      await keyboard.goto(`${server.url}/ui/tenants/enterprise%3Aglobex/connect`)
      await keyboard.getByRole('tab', { name: 'Entra ID' }).focus()
      await keyboard.keyboard.press('ArrowRight')
      assert.equal(await keyboard.evaluate(`document.activeElement?.textContent`), 'Okta')
      assert.equal(await keyboard.getByRole('tab', { name: 'Okta' }).getAttribute('aria-selected'), 'true')
      // On a fresh load, the first Tab offers to skip the header.
      await keyboard.reload()
      await keyboard.getByRole('heading', { name: /globex/, level: 1 }).waitFor()
      await keyboard.keyboard.press('Tab')
      assert.equal(await keyboard.evaluate(`document.activeElement?.textContent`), 'Skip to content')
    } finally {
      await keyboard.close()
    }
  })

  test('at phone width (375 px) every page fits without sideways scrolling', async () => {
    const phone = await phoneContext(browser)
    try {
      const p = await phone.newPage()
      await signIn(p, server)
      const user = (await server.store.forTenant((await server.store.findTenant('enterprise', 'globex'))!).list(
        (await import('../../src/scim/schema/resource-types.js')).defaultRegistry().require('User'),
        { startIndex: 1, count: 1, filter: undefined },
      )).resources[0]!
      for (const [name, path] of [
        ['tenants', '/ui/tenants'],
        ['tenant-settings', '/ui/tenants/enterprise%3Aglobex'],
        ['connect', '/ui/tenants/enterprise%3Aglobex/connect'],
        ['users', '/ui/tenants/enterprise%3Aglobex/users'],
        ['user', `/ui/tenants/enterprise%3Aglobex/users/${user.id}`],
      ] as const) {
        await assertOpensFitting(p, server.url + path, name)
      }
    } finally {
      await phone.close()
    }
  })

  test('every page was checked with axe in both themes', () => {
    assert.deepEqual(
      [...new Set(checked)].sort(),
      ['connect', 'sign-in', 'sign-in-error', 'tenant-settings', 'tenants', 'user', 'user-require-scim', 'users', 'users-bad-filter'],
    )
  })
})

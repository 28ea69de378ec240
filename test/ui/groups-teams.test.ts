/**
 * The admin UI's Groups, Teams and Outbox tabs in a real browser against a real server: the IdP
 * pushes users and groups over SCIM; the admin finds a group by search and by filter (a bad
 * filter shows its position), pages a group's members, creates a team, adds members by hand,
 * previews linking it to a group (who joins, who leaves) and confirms, is told why a linked
 * team refuses changes by hand, reconciles it, previews and confirms the unlink, deletes it;
 * then finds a failed email in the outbox and retries it. Every page is checked with axe-core
 * in the light and the dark theme, by keyboard, and at phone width.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { assertAccessible, assertOpensFitting, launch, phoneContext, signIn, startUiServer, unavailable, until, watched, type UiServer } from './browser.js'

const skip = unavailable()
if (skip) console.log(`# skipped: ${skip}`)

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const T = '/ui/tenants/enterprise%3Ainitech'

describe('admin UI: groups, teams and the outbox in Chromium', { skip }, () => {
  let browser: Browser
  let server: UiServer
  let context: BrowserContext
  let page: Page
  const checked: string[] = []
  /** SCIM user ids by name, and their accounts' logins. */
  const ids: Record<string, string> = {}
  const logins: Record<string, string> = {}
  const groups: Record<string, string> = {}

  async function call(token: string, method: string, path: string, body?: unknown, type = 'application/scim+json') {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': type }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any }
  }

  before(async () => {
    server = await startUiServer()
    const tenant = await createTenant(server.store, 'enterprise', 'initech')
    const { token } = await issueToken(server.store, tenant)
    const scim = (path: string, body: unknown) => call(token, 'POST', `/scim/v2/enterprises/initech${path}`, body)
    const everyone: string[] = []
    for (const name of ['ada', 'bob', 'cy']) {
      const res = await scim('/Users', { schemas: [USER], userName: `${name}@initech.example`, displayName: name.toUpperCase() })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      ids[name] = res.body.id
      everyone.push(res.body.id)
      const details = await call(server.adminToken, 'GET', `/admin/v1/tenants/enterprise:initech/scim-users/${res.body.id}`)
      logins[name] = details.body.account.login
    }
    for (let i = 0; i < 27; i++) everyone.push((await scim('/Users', { schemas: [USER], userName: `p${String(i).padStart(2, '0')}@initech.example` })).body.id)
    for (const [name, members] of [
      ['Engineering', [ids.ada, ids.bob]],
      ['Design', [ids.cy]],
      ['Everyone', everyone],
    ] as const) {
      const res = await scim('/Groups', { schemas: [GROUP], displayName: name, members: members.map((value) => ({ value })) })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      groups[name] = res.body.id
    }
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
  const settled = () => page.locator('.state.loading').first().waitFor({ state: 'detached' })

  async function accessible(name: string) {
    await settled()
    await assertAccessible(page, name)
    checked.push(name)
  }

  test('signed in, the tenant has Groups, Teams and Outbox tabs', async () => {
    await page.goto(`${server.url}${T}`)
    await page.getByLabel('Admin token', { exact: true }).fill(server.adminToken)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await heading().filter({ hasText: 'initech' }).waitFor()
    const tabs = page.getByRole('navigation', { name: 'Tenant' })
    for (const name of ['Groups', 'Teams', 'Outbox']) await tabs.getByRole('link', { name }).waitFor()
    await tabs.getByRole('link', { name: 'Groups' }).click()
    await page.getByRole('heading', { name: 'Groups', level: 2 }).waitFor()
    assert.equal(new URL(page.url()).pathname, `${T}/groups`)
    assert.equal(await tabs.getByRole('link', { name: 'Groups' }).getAttribute('aria-current'), 'page')
  })

  test('groups are listed, found by the start of their name and by a SCIM filter; a bad filter shows where', async () => {
    const rows = page.getByRole('table').getByRole('row')
    await rows.nth(3).waitFor()
    assert.deepEqual(await page.getByRole('table').locator('tbody th').allInnerTexts(), ['Engineering', 'Design', 'Everyone'])
    await accessible('groups')

    await page.getByLabel('Search', { exact: true }).fill('e')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('table', { name: /filtered/ }).waitFor()
    assert.deepEqual(await page.getByRole('table').locator('tbody th').allInnerTexts(), ['Engineering', 'Everyone'])
    await page.getByRole('columnheader', { name: 'Display name' }).getByRole('button').click()
    await page.getByRole('columnheader', { name: 'Display name' }).and(page.locator('[aria-sort="ascending"]')).waitFor()
    await page.getByRole('columnheader', { name: 'Display name' }).getByRole('button').click()
    await page.locator('th[aria-sort="descending"]').waitFor()
    await until(page, `document.querySelector('tbody th')?.textContent === 'Everyone'`)

    await page.getByLabel('SCIM filter').fill('displayName eq "Design" and members.nosuch eq 1')
    await page.getByRole('button', { name: 'Apply filter' }).click()
    const fault = page.getByRole('alert')
    await fault.waitFor()
    assert.match(await fault.innerText(), /This filter is not valid:.*position 28/s)
    assert.match(await fault.locator('pre').innerText(), /\n {28}\^$/)
    await accessible('groups-bad-filter')

    await page.getByLabel('SCIM filter').fill('displayName eq "Design"')
    await page.getByRole('button', { name: 'Apply filter' }).click()
    await page.getByRole('link', { name: 'Design' }).waitFor()
    assert.deepEqual(await page.getByRole('table').locator('tbody th').allInnerTexts(), ['Design'])
  })

  test("a group's page: member count, members a page at a time, linked teams", async () => {
    await page.goto(`${server.url}${T}/groups/${groups.Everyone}`)
    await page.getByRole('heading', { name: 'Everyone', level: 2 }).waitFor()
    await settled()
    await page.getByRole('heading', { name: /Members \(30\)/ }).waitFor()
    const members = page.getByRole('region', { name: /Members/ }).getByRole('listitem')
    assert.equal(await members.count(), 25)
    assert.equal(await members.first().innerText(), 'ADA')
    assert.match(await page.getByRole('region', { name: 'Linked teams' }).innerText(), /No team follows this group/)
    await accessible('group')
    await page.getByRole('navigation', { name: 'Members pages' }).getByRole('button', { name: 'Next' }).click()
    await page.getByText('Page 2').waitFor()
    await settled()
    assert.equal(await members.count(), 5)
    await page.getByRole('navigation', { name: 'Members pages' }).getByRole('button', { name: 'Previous' }).click()
    await page.getByText('Page 1').waitFor()
    await members.nth(24).waitFor()
    // A member links to its user page.
    await members.first().getByRole('link').click()
    await page.getByRole('heading', { name: 'ada@initech.example' }).waitFor()
    // And the user page links back to its groups.
    await page.getByRole('link', { name: 'Engineering' }).click()
    await page.getByRole('heading', { name: 'Engineering', level: 2 }).waitFor()
    await page.getByRole('heading', { name: /Members \(2\)/ }).waitFor()
  })

  test('teams: empty at first; a team is created and opens its page', async () => {
    await page.goto(`${server.url}${T}/teams`)
    await page.getByRole('heading', { name: 'Teams', level: 2 }).waitFor()
    await page.getByText('No teams yet.').waitFor()
    await accessible('teams-empty')
    await page.getByLabel('Name', { exact: true }).fill('Platform')
    await page.getByLabel('Description (optional)').fill('Runs the platform')
    await page.getByRole('button', { name: 'Create team' }).click()
    await page.getByRole('heading', { name: 'Platform', level: 2 }).waitFor()
    assert.match(new URL(page.url()).pathname, new RegExp(`^${T}/teams/[^/]+$`))
    await page.getByText('No members yet.').waitFor()
    await accessible('team')
  })

  test('members are added and removed by hand on an unlinked team', async () => {
    const add = async (login: string) => {
      await page.getByLabel('Add a member by login').fill(login)
      await page.getByRole('button', { name: 'Add member' }).click()
      await page.getByText(`${login} added.`).waitFor()
    }
    await add(logins.ada!)
    await add(logins.cy!)
    await add(logins.bob!)
    const table = page.getByRole('table', { name: 'Members of Platform' })
    await table.getByRole('row').nth(3).waitFor()
    assert.deepEqual(await table.locator('tbody th').allInnerTexts(), [logins.ada, logins.cy, logins.bob])
    await page.getByRole('button', { name: `Remove ${logins.bob}` }).click()
    await page.getByRole('button', { name: `Confirm: remove ${logins.bob}` }).click()
    await table.getByRole('row').nth(3).waitFor({ state: 'detached' })
    assert.deepEqual(await table.locator('tbody th').allInnerTexts(), [logins.ada, logins.cy])
    await page.getByRole('heading', { name: /Members \(2\)/ }).waitFor()

    await page.getByLabel('Add a member by login').fill('nobody-at-all')
    await page.getByRole('button', { name: 'Add member' }).click()
    assert.match(await page.getByRole('alert').innerText(), /No account's login, name or email starts with "nobody-at-all"/)
  })

  test('linking is previewed (who joins, who leaves) and happens only when confirmed', async () => {
    await page.getByLabel('Group', { exact: true }).fill('Eng')
    await page.getByRole('button', { name: 'Find groups' }).click()
    await page.getByRole('radio', { name: 'Engineering' }).check()
    await page.getByRole('button', { name: 'Preview link' }).click()
    const preview = page.getByRole('region', { name: 'What linking would change' })
    await preview.waitFor()
    // ada is in the group and stays; bob joins through it; cy, added by hand, leaves.
    assert.match(await preview.getByRole('heading', { name: /Join/ }).innerText(), /Join: 1/)
    assert.match(await preview.getByRole('heading', { name: /Leave/ }).innerText(), /Leave: 1/)
    assert.match(await preview.innerText(), new RegExp(`Join: 1\\s+${logins.bob}[\\s\\S]*Leave: 1\\s+${logins.cy}`))
    assert.match(await preview.innerText(), /members added by hand/)
    await accessible('team-link-preview')

    // Cancel changes nothing.
    await preview.getByRole('button', { name: 'Cancel' }).click()
    await preview.waitFor({ state: 'detached' })
    const unlinked = await call(server.adminToken, 'GET', `/admin/v1/tenants/enterprise:initech/teams?limit=10`)
    assert.equal(unlinked.body.items[0].groupId, null)

    await page.getByRole('button', { name: 'Preview link' }).click()
    await preview.getByRole('button', { name: 'Confirm link' }).click()
    await page.getByText(/Linked to\s+Engineering/).waitFor()
    const table = page.getByRole('table', { name: 'Members of Platform' })
    await page.getByRole('heading', { name: /Members \(2\)/ }).waitFor()
    await until(page, `[...document.querySelectorAll('tbody th')].map((e) => e.textContent).join() === ${JSON.stringify(`${logins.ada},${logins.bob}`)}`)
    assert.deepEqual(await table.locator('tbody td .badge').allInnerTexts(), ['group', 'group'])
    assert.match(await page.getByRole('region', { name: 'Reconciliation' }).innerText(), /2 members given by the group, 2 memberships removed/, 'the link report counts rows: ada was replaced too')
  })

  test('on a linked team, a change by hand is refused and the page says why', async () => {
    assert.equal(await page.getByRole('button', { name: /^Remove / }).count(), 0, 'no remove buttons on a linked team')
    await page.getByLabel('Add a member by login').fill(logins.cy!)
    await page.getByRole('button', { name: 'Add member' }).click()
    const notice = page.getByRole('alert')
    await notice.waitFor()
    assert.match(await notice.innerText(), /Members come from the linked group\..*unlink the team.*The server said: .*linked to SCIM group/s)
    await accessible('team-linked-refusal')
  })

  test('"reconcile now" runs and reports; the group page names the linked team', async () => {
    await page.getByRole('button', { name: 'Reconcile now' }).click()
    await page.getByText(/^Reconciled: 0 members given by the group, 0 memberships removed/).waitFor()
    await page.getByRole('link', { name: 'Engineering' }).click()
    await page.getByRole('heading', { name: 'Engineering', level: 2 }).waitFor()
    await page.getByRole('region', { name: 'Linked teams' }).getByRole('link', { name: 'Platform' }).click()
    await page.getByRole('heading', { name: 'Platform', level: 2 }).waitFor()
  })

  test('unlinking is previewed too, then confirmed; then the team is deleted', async () => {
    await settled()
    await page.getByRole('button', { name: 'Unlink…' }).click()
    const preview = page.getByRole('region', { name: 'What unlinking would change' })
    await preview.waitFor()
    assert.match(await preview.innerText(), new RegExp(`Join: 0[\\s\\S]*Nobody joins[\\s\\S]*Leave: 2\\s+${logins.ada}\\s+${logins.bob}`))
    await accessible('team-unlink-preview')
    await preview.getByRole('button', { name: 'Confirm unlink' }).click()
    await page.getByRole('button', { name: 'Preview link' }).waitFor()
    await page.getByRole('heading', { name: /Members \(0\)/ }).waitFor()
    await page.getByText('No members yet.').waitFor()

    await page.getByRole('button', { name: 'Delete team…' }).click()
    await page.getByRole('button', { name: 'Confirm: delete Platform' }).click()
    await page.getByRole('heading', { name: 'Teams', level: 2 }).waitFor()
    await page.getByText('No teams yet.').waitFor()
    assert.equal(new URL(page.url()).pathname, `${T}/teams`)
  })

  test('the outbox lists email by state; a failed message is opened and retried', async () => {
    // An organization invites the users its IdP creates: each invitation is an email.
    const acme = await createTenant(server.store, 'organization', 'acme')
    const { token } = await issueToken(server.store, acme)
    for (const name of ['rosa', 'sam']) {
      const res = await call(token, 'POST', '/scim/v2/organizations/acme/Users', { schemas: [USER], userName: `${name}@acme.example`, emails: [{ value: `${name}@acme.example`, primary: true }] })
      assert.equal(res.status, 201, JSON.stringify(res.body))
    }
    // The sender tried both; the mail server refused one.
    const now = new Date()
    const claimed = await server.store.outboxDelivery.claim(now.toISOString(), new Date(now.getTime() + 60_000).toISOString(), 100)
    assert.equal(claimed.length, 2)
    const [refused, delivered] = claimed.sort((a, b) => (a.recipient < b.recipient ? -1 : 1))
    await server.store.forTenant(acme).transaction(async (tx) => {
      await tx.outbox.settle(refused!.id, { state: 'failed', error: '550 5.1.1 mailbox unavailable' })
      await tx.outbox.settle(delivered!.id, { state: 'sent', at: new Date().toISOString() })
    })

    await page.goto(`${server.url}/ui/tenants/organization%3Aacme/outbox`)
    await page.getByRole('heading', { name: 'Outbox', level: 2 }).waitFor()
    const table = page.getByRole('table')
    await table.getByRole('row').nth(2).waitFor()
    assert.match(await table.innerText(), /rosa@acme\.example[\s\S]*failed[\s\S]*550 5\.1\.1 mailbox unavailable/)
    assert.match(await table.innerText(), /sam@acme\.example[\s\S]*sent/)
    await accessible('outbox')

    await page.getByLabel('State').selectOption('failed')
    await page.getByRole('table', { name: 'Email messages (failed)' }).waitFor()
    await settled()
    assert.equal(await page.getByRole('table').locator('tbody tr').count(), 1)
    await page.getByLabel('State').selectOption('pending')
    await page.getByText('No message in this state.').waitFor()
    await page.getByLabel('State').selectOption('failed')
    await page.getByRole('table', { name: 'Email messages (failed)' }).locator('tbody th a').click()

    await page.getByRole('heading', { name: 'Delivery' }).waitFor()
    const delivery = page.getByRole('region', { name: 'Delivery' })
    assert.match(await delivery.innerText(), /rosa@acme\.example[\s\S]*failed[\s\S]*Attempts\s+1[\s\S]*550 5\.1\.1/)
    assert.match(await page.getByRole('region', { name: 'Text' }).innerText(), /roster_inv_/)
    await accessible('outbox-message')
    await page.getByRole('button', { name: 'Retry sending' }).click()
    await page.getByText('Queued again: the sender will try it at once.').waitFor()
    assert.match(await delivery.innerText(), /queued[\s\S]*Attempts\s+0/)
    assert.equal(await page.getByRole('button', { name: 'Retry sending' }).count(), 0)
    const stored = await call(server.adminToken, 'GET', `/admin/v1/tenants/organization:acme/outbox/${refused!.id}`)
    assert.equal(stored.body.state, 'pending')
  })

  test('keyboard only: find a group, preview and confirm a link', async () => {
    const created = await call(server.adminToken, 'POST', '/admin/v1/tenants/enterprise:initech/teams', { name: 'Design team' }, 'application/json')
    assert.equal(created.status, 201)
    await page.goto(`${server.url}${T}/teams/${created.body.id}`)
    await page.getByRole('heading', { name: 'Design team', level: 2 }).waitFor()
    await settled()
    const focusOn = async (test: string, limit = 40) => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab')
        if (await page.evaluate<boolean>(test)) return
      }
      assert.fail(`never reached: ${test}`)
    }
    await focusOn(`document.activeElement?.id === 'link-group-search'`)
    await page.keyboard.type('Des')
    await page.keyboard.press('Enter')
    await page.getByRole('radio', { name: 'Design' }).waitFor()
    await focusOn(`document.activeElement?.getAttribute('type') === 'radio'`)
    await page.keyboard.press('Space')
    await focusOn(`document.activeElement?.textContent === 'Preview link'`)
    await page.keyboard.press('Enter')
    await page.getByRole('region', { name: 'What linking would change' }).waitFor()
    await focusOn(`document.activeElement?.textContent === 'Confirm link'`)
    await page.keyboard.press('Enter')
    await page.getByText(/Linked to\s+Design/).waitFor()
    await until(page, `document.querySelector('tbody th')?.textContent === ${JSON.stringify(logins.cy)}`)
  })

  test('at phone width (375 px) the new pages fit without sideways scrolling', async () => {
    const phone = await phoneContext(browser)
    try {
      const p = await phone.newPage()
      await signIn(p, server)
      const team = (await call(server.adminToken, 'GET', '/admin/v1/tenants/enterprise:initech/teams')).body.items[0]
      const message = (await call(server.adminToken, 'GET', '/admin/v1/tenants/organization:acme/outbox')).body.items[0]
      for (const [name, path] of [
        ['groups', `${T}/groups`],
        ['group', `${T}/groups/${groups.Everyone}`],
        ['teams', `${T}/teams`],
        ['team', `${T}/teams/${team.id}`],
        ['outbox', '/ui/tenants/organization%3Aacme/outbox'],
        ['outbox-message', `/ui/tenants/organization%3Aacme/outbox/${message.id}`],
      ] as const) {
        await assertOpensFitting(p, server.url + path, name)
      }
    } finally {
      await phone.close()
    }
  })

  test('every new page was checked with axe in both themes', () => {
    assert.deepEqual(
      [...new Set(checked)].sort(),
      ['group', 'groups', 'groups-bad-filter', 'outbox', 'outbox-message', 'team', 'team-link-preview', 'team-linked-refusal', 'team-unlink-preview', 'teams-empty'],
    )
  })
})

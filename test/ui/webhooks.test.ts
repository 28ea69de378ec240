/**
 * The Webhooks and Events pages in Chromium against a real server and a real HTTP receiver: an
 * admin adds an endpoint with a type filter, sees the secret once, sees the IdP's change
 * arrive signed, sends a test event, rotates the secret (both signatures verify), finds a
 * dead letter and redelivers it, rewinds from a seq, disables and deletes the endpoint, and
 * reads the events feed by type with each payload. Every page is checked with axe in both themes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { Webhook } from 'standardwebhooks'
import type { Log } from '../../src/provisioning/email/sender.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { WebhookDeliverer } from '../../src/provisioning/webhooks/deliverer.js'
import { waitFor } from '../email/smtp-sink.js'
import { Receiver, type Received } from '../webhooks/receiver.js'
import { assertAccessible, assertOpensFitting, launch, phoneContext, signIn, startUiServer, unavailable, watched, type UiServer } from './browser.js'

const skip = unavailable()
if (skip) console.log(`# skipped: ${skip}`)

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }
const T = 'enterprise%3Aacme'

describe('admin UI: webhooks and events in Chromium', { skip }, () => {
  let browser: Browser
  let server: UiServer
  let context: BrowserContext
  let page: Page
  let receiver: Receiver
  let deliverer: WebhookDeliverer
  let scimToken = ''
  let secret = ''
  let endpointId = ''
  const checked: string[] = []

  before(async () => {
    server = await startUiServer()
    receiver = await Receiver.start()
    // The deliverer every `roster serve` runs, fast and giving up after two attempts.
    deliverer = new WebhookDeliverer(server.store, { pollMs: 20, timeoutMs: 5000, retryBaseMs: 5, maxAttempts: 2, maxAgeMs: 3_600_000, concurrency: 2 }, quiet)
    deliverer.start()
    const tenant = await createTenant(server.store, 'enterprise', 'acme')
    scimToken = (await issueToken(server.store, tenant)).token
    browser = await launch()
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    page = await context.newPage()
    watched(page)
  })
  after(async () => {
    await browser?.close()
    await deliverer?.stop()
    await receiver?.close()
    await server?.close()
  })

  async function accessible(name: string) {
    await assertAccessible(page, name)
    checked.push(name)
  }

  async function provision(userName: string): Promise<string> {
    const res = await fetch(`${server.url}/scim/v2/enterprises/acme/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, emails: [{ value: userName, primary: true }] }),
    })
    const text = await res.text()
    assert.equal(res.status, 201, text)
    return (JSON.parse(text) as { id: string }).id
  }

  async function eventsOf(type: string): Promise<{ seq: number; id: string; type: string; resourceId: string }[]> {
    const res = await fetch(`${server.url}/admin/v1/tenants/${T}/events?limit=1000&type=${type}`, { headers: { authorization: `Bearer ${server.adminToken}` } })
    return ((await res.json()) as { items: { seq: number; id: string; type: string; resourceId: string }[] }).items
  }

  /** The receiver verifies it with the secret(s), as a real receiver would with the standardwebhooks package. */
  function verified(r: Received, ...secrets: string[]) {
    for (const s of secrets) assert.deepEqual(new Webhook(s).verify(r.body, { ...r.headers }), JSON.parse(r.body))
  }

  test('sign in and open the Webhooks tab: none yet', async () => {
    await signIn(page, server)
    await page.getByRole('link', { name: 'acme' }).click()
    await page.getByRole('link', { name: 'Webhooks' }).click()
    assert.equal(new URL(page.url()).pathname, `/ui/tenants/${T}/webhooks`)
    await page.getByText('No webhook endpoints yet').waitFor()
    await page.getByRole('checkbox', { name: /user\.created/ }).waitFor()
    await accessible('webhooks-empty')
  })

  test('add an endpoint for user events only: the secret is shown once, with a copy button', async () => {
    await page.getByLabel('URL', { exact: true }).fill(receiver.url('/hook'))
    await page.getByLabel('Description (optional)').fill('CRM sync')
    await page.getByRole('checkbox', { name: /Every event/ }).uncheck()
    await page.getByRole('checkbox', { name: /Every user event/ }).check()
    // The narrower types under it are covered: shown checked and not separately choosable.
    assert.equal(await page.getByRole('checkbox', { name: 'user.created' }).isChecked(), true)
    assert.equal(await page.getByRole('checkbox', { name: 'user.created' }).isDisabled(), true)
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    const field = page.locator('#webhook-secret')
    await field.waitFor()
    secret = await field.inputValue()
    assert.match(secret, /^whsec_/)
    assert.match(await page.locator('.secret').innerText(), /shown only once/)
    const row = page.getByRole('row', { name: /CRM sync/ })
    await row.getByText('none yet').waitFor()
    assert.match(await row.innerText(), /user\.\*[\s\S]*enabled[\s\S]*up to date[\s\S]*none yet/)
    await accessible('webhooks-created')
    await page.getByRole('button', { name: 'Copy the signing secret' }).click()
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret)
    await page.getByRole('button', { name: 'Copied the signing secret' }).waitFor()
    await accessible('webhooks-copied')
    await page.getByRole('button', { name: 'I have copied it' }).click()
    assert.equal(await page.locator('#webhook-secret').count(), 0)
    const hooks = (await (await fetch(`${server.url}/admin/v1/tenants/${T}/webhooks`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json()) as {
      items: { id: string; eventTypes: string[]; description: string }[]
    }
    assert.deepEqual(hooks.items.map((h) => [h.eventTypes, h.description]), [[['user.*'], 'CRM sync']])
    endpointId = hooks.items[0]!.id
  })

  test('a bad URL is explained by the server', async () => {
    await page.getByLabel('URL', { exact: true }).fill('ftp://files.example/hook')
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /only http and https/)
    await page.getByLabel('URL', { exact: true }).fill('')
  })

  test("the IdP's change arrives at the receiver, signed; the list shows the delivery", async () => {
    const id = await provision('ada@acme.example')
    const got = await waitFor('user.created at the receiver', () => receiver.at('/hook').find((r) => r.json.type === 'user.created' && r.json.data.resourceId === id))
    verified(got, secret)
    // Only user events: the account.created of the same write was not sent.
    assert.deepEqual([...new Set(receiver.at('/hook').map((r) => r.json.type.split('.')[0]))], ['user'])
    await page.reload()
    const row = page.getByRole('row', { name: /CRM sync/ })
    await row.getByText('delivered').waitFor()
  })

  test('the endpoint page: a test event is sent and its result shown; it arrives signed', async () => {
    await page.getByRole('link', { name: receiver.url('/hook') }).click()
    await page.getByRole('heading', { name: receiver.url('/hook'), level: 2 }).waitFor()
    assert.equal(new URL(page.url()).pathname, `/ui/tenants/${T}/webhooks/${endpointId}`)
    await page.getByRole('row', { name: /user\.created/ }).first().waitFor()
    await accessible('webhook')
    const before = receiver.at('/hook').length
    await page.getByRole('button', { name: 'Send a test event' }).click()
    const result = page.locator('.state.result')
    await result.waitFor()
    assert.match(await result.innerText(), /delivered[\s\S]*Test event: the receiver answered 204 in \d+ ms/)
    const ping = await waitFor('the ping at the receiver', () => receiver.at('/hook').slice(before).find((r) => r.json.type === 'webhook.ping'))
    verified(ping, secret)
    await page.getByRole('row', { name: /test event/ }).waitFor()
  })

  test('rotating the secret: confirmed, shown once, the old one keeps signing for the overlap', async () => {
    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await page.getByRole('button', { name: 'Confirm: rotate the secret' }).click()
    const field = page.locator('#webhook-secret')
    await field.waitFor()
    const rotated = await field.inputValue()
    assert.notEqual(rotated, secret)
    const note = await page.locator('.secret').innerText()
    assert.match(note, /previous secret stays valid until/)
    assert.match(await page.locator('dl.facts').first().innerText(), /rotated; the previous one also signs until/)
    await accessible('webhook-rotated')
    await page.getByRole('button', { name: 'I have copied it' }).click()
    const before = receiver.at('/hook').length
    await page.getByRole('button', { name: 'Send a test event' }).click()
    const ping = await waitFor('the ping after rotation', () => receiver.at('/hook').slice(before).find((r) => r.json.type === 'webhook.ping'))
    assert.equal(ping.headers['webhook-signature']!.split(' ').length, 2)
    verified(ping, rotated, secret)
    secret = rotated
  })

  let deadSeq = 0
  test('a receiver that refuses: the event is dead-lettered, found under Dead letters, and redelivered', async () => {
    receiver.on('/hook', { status: 500, body: 'database unavailable' })
    const id = await provision('grace@acme.example')
    const [created] = (await eventsOf('user.created')).filter((e) => e.resourceId === id)
    deadSeq = created!.seq
    await waitFor('the dead letter', async () => {
      const res = await fetch(`${server.url}/admin/v1/tenants/${T}/webhooks/${endpointId}/deliveries?outcome=dead`, { headers: { authorization: `Bearer ${server.adminToken}` } })
      return ((await res.json()) as { items: unknown[] }).items.length > 0
    })
    // Refresh reads the endpoint, its state and its log again, without leaving the page.
    await page.getByRole('button', { name: 'Refresh' }).click()
    await page.locator('dl.facts').first().getByText(/^1, the last/).waitFor()
    await page.getByLabel('Show').selectOption('dead')
    // The filtered log replaces the whole one when its answer comes: until then the failed
    // first attempt is listed too.
    await page.getByRole('row', { name: / failed / }).first().waitFor({ state: 'detached' })
    const row = page.getByRole('row', { name: new RegExp(`#${deadSeq}\\b`) })
    await row.waitFor()
    assert.match(await row.innerText(), /dead letter[\s\S]*500[\s\S]*database unavailable/)
    assert.equal(await page.getByRole('row').count(), 2, 'only the dead letter')
    await accessible('webhook-dead-letters')

    receiver.on('/hook', { status: 204 })
    const before = receiver.at('/hook').length
    await row.getByRole('button', { name: `Redeliver event ${deadSeq}` }).click()
    const result = page.getByRole('region', { name: 'Delivery log' }).locator('.state.result')
    await result.waitFor()
    assert.match(await result.innerText(), new RegExp(`delivered[\\s\\S]*Event ${deadSeq} \\(user.created\\): the receiver answered 204`))
    const again = await waitFor('the redelivery', () => receiver.at('/hook').slice(before).find((r) => r.json.data.seq === deadSeq))
    assert.equal(again.headers['webhook-id'], created!.id, 'a redelivery keeps the event id')
    verified(again, secret)
  })

  test('rewinding from a seq sends every matching event from there again, in order', async () => {
    receiver.on('/hook', { status: 204 })
    const [first] = await eventsOf('user.created')
    await page.getByLabel('Deliver again from event').fill('not a number')
    await page.getByRole('button', { name: 'Rewind' }).click()
    await page.getByRole('alert').waitFor()
    const before = receiver.at('/hook').length
    await page.getByLabel('Deliver again from event').fill(String(first!.seq))
    await page.getByRole('button', { name: 'Rewind' }).click()
    await page.getByText(`Rewound: events from ${first!.seq} on are being delivered again.`).waitFor()
    const resent = await waitFor('both user.created again', () => {
      const seqs = receiver.at('/hook').slice(before).filter((r) => r.json.type === 'user.created').map((r) => r.json.data.seq)
      return seqs.includes(deadSeq) && seqs
    })
    assert.equal(resent[0], first!.seq)
    assert.deepEqual([...resent].sort((a, b) => a - b), resent, 'in order')
  })

  test('editing: disable the endpoint and change its types; a bad URL is refused with the reason', async () => {
    await page.getByLabel('Show').selectOption('')
    await page.getByLabel('URL', { exact: true }).fill('ftp://nowhere.example/')
    await page.getByRole('button', { name: 'Save endpoint' }).click()
    await page.getByRole('alert').filter({ hasText: 'only http and https' }).waitFor()
    await page.getByLabel('URL', { exact: true }).fill(receiver.url('/hook'))
    await page.getByLabel('Enabled').uncheck()
    await page.getByRole('group', { name: 'Event types' }).getByRole('checkbox', { name: /Every user event/ }).uncheck()
    await page.getByRole('checkbox', { name: 'group.created' }).check()
    await page.getByRole('button', { name: 'Save endpoint' }).click()
    await page.getByText('Endpoint saved.').waitFor()
    assert.match(await page.locator('dl.facts').first().innerText(), /disabled[\s\S]*group\.created/)
    const res = await fetch(`${server.url}/admin/v1/tenants/${T}/webhooks/${endpointId}`, { headers: { authorization: `Bearer ${server.adminToken}` } })
    const saved = (await res.json()) as { enabled: boolean; eventTypes: string[] }
    assert.equal(saved.enabled, false)
    assert.deepEqual(saved.eventTypes, ['group.created'])
  })

  test('the events page: paged by seq, filtered by type, each payload readable', async () => {
    await page.getByRole('link', { name: 'Events' }).click()
    assert.equal(new URL(page.url()).pathname, `/ui/tenants/${T}/events`)
    const list = page.getByRole('list', { name: /^Events 1 to / })
    await list.waitFor()
    const all = await list.innerText()
    assert.match(all, /user\.created[\s\S]*account\.created/)
    await accessible('events')

    await page.getByLabel('Type').selectOption('user.created')
    const items = page.getByRole('list', { name: /^Events/ }).getByRole('listitem')
    await waitFor('only user.created listed', async () => (await items.count()) === 2)
    assert.doesNotMatch(await page.getByRole('list', { name: /^Events/ }).innerText(), /account\.created/)
    await page.getByText(/Payload/).first().click()
    const payload = await page.locator('pre.payload').first().innerText()
    assert.match(payload, /"userName": "ada@acme.example"/)
    await accessible('events-payload')

    await page.getByLabel('Type').selectOption('team.deleted')
    await page.getByText(/No team.deleted events among events 1 to \d+/).waitFor()
    await accessible('events-empty')

    // From a seq, then the newest; Previous steps back by seqs.
    await page.getByLabel('Type').selectOption('')
    await page.getByLabel('From event').fill(String(deadSeq))
    await page.getByRole('button', { name: 'Show' }).click()
    await page.getByRole('list', { name: new RegExp(`^Events ${deadSeq} to`) }).waitFor()
    await page.getByRole('button', { name: 'Newest' }).click()
    await page.getByText(/The tenant is at event \d+/).waitFor()
    await page.getByRole('button', { name: 'Previous' }).waitFor()
  })

  test('deleting the endpoint asks first, then leaves the list empty', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click()
    await page.getByRole('link', { name: receiver.url('/hook') }).click()
    await page.getByRole('button', { name: 'Delete endpoint' }).click()
    await page.getByText(/deletes the endpoint's delivery log/).waitFor()
    await page.getByRole('button', { name: 'Confirm: delete this endpoint' }).click()
    await page.getByText('No webhook endpoints yet').waitFor()
    assert.equal(new URL(page.url()).pathname, `/ui/tenants/${T}/webhooks`)
    const res = await fetch(`${server.url}/admin/v1/tenants/${T}/webhooks/${endpointId}`, { headers: { authorization: `Bearer ${server.adminToken}` } })
    assert.equal(res.status, 404)
  })

  test('keyboard only: add an endpoint with a type chosen by Space', async () => {
    await page.getByLabel('URL', { exact: true }).focus()
    await page.keyboard.type(receiver.url('/keys'))
    let onAll = false
    for (let i = 0; i < 5 && !onAll; i++) {
      await page.keyboard.press('Tab')
      onAll = await page.evaluate(`document.activeElement?.id === 'new-all'`)
    }
    assert.ok(onAll, 'Tab reaches the every-event checkbox')
    await page.keyboard.press('Space')
    let onType = false
    for (let i = 0; i < 10 && !onType; i++) {
      await page.keyboard.press('Tab')
      onType = await page.evaluate(`document.activeElement?.id === 'new-user-created'`)
    }
    assert.ok(onType, 'Tab reaches user.created')
    await page.keyboard.press('Space')
    let onSubmit = false
    for (let i = 0; i < 60 && !onSubmit; i++) {
      await page.keyboard.press('Tab')
      onSubmit = await page.evaluate(`document.activeElement?.textContent === 'Add endpoint'`)
    }
    assert.ok(onSubmit, 'Tab reaches the Add button')
    await page.keyboard.press('Enter')
    await page.locator('#webhook-secret').waitFor()
    await page.getByRole('row', { name: /\/keys/ }).getByText('user.created').waitFor()
  })

  test('types set through the API that the server does not list are shown and kept on save', async () => {
    const res = await fetch(`${server.url}/admin/v1/tenants/${T}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url('/custom'), eventTypes: ['user.created', 'billing.invoice'] }),
    })
    const made = (await res.json()) as { id: string }
    await page.goto(`${server.url}/ui/tenants/${T}/webhooks/${made.id}`)
    await page.getByText('Also kept, as set through the API').waitFor()
    assert.equal(await page.locator('fieldset.event-types code').filter({ hasText: 'billing.invoice' }).count(), 1)
    await page.getByRole('checkbox', { name: 'user.deleted' }).check()
    await page.getByRole('button', { name: 'Save endpoint' }).click()
    await page.getByText('Endpoint saved.').waitFor()
    const saved = (await (await fetch(`${server.url}/admin/v1/tenants/${T}/webhooks/${made.id}`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json()) as {
      eventTypes: string[]
    }
    assert.deepEqual(saved.eventTypes, ['user.created', 'billing.invoice', 'user.deleted'])
  })

  test('at phone width (375 px) the pages fit without sideways scrolling', async () => {
    const phone = await phoneContext(browser)
    try {
      const p = await phone.newPage()
      await signIn(p, server)
      const hooks = (await (await fetch(`${server.url}/admin/v1/tenants/${T}/webhooks`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json()) as { items: { id: string }[] }
      for (const [name, path] of [
        ['webhooks', `/ui/tenants/${T}/webhooks`],
        ['webhook', `/ui/tenants/${T}/webhooks/${hooks.items[0]!.id}`],
        ['events', `/ui/tenants/${T}/events`],
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
      ['events', 'events-empty', 'events-payload', 'webhook', 'webhook-dead-letters', 'webhook-rotated', 'webhooks-copied', 'webhooks-created', 'webhooks-empty'],
    )
  })
})

/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), a real Roster server on a loopback port with its built UI, axe-core checks, and
 * screenshots kept in test-results/ui (git-ignored).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type net from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildApp } from '../../src/http/app.js'
import { configFromEnv } from '../../src/http/config.js'
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import type { Store } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import { loadUiBuild } from '../../src/ui/server/serve-ui.js'

export const CHROMIUM = process.env.ROSTER_TEST_CHROMIUM || '/usr/bin/chromium'
export const SCREENSHOTS = new URL('../../../test-results/ui/', import.meta.url)

/**
 * Why the browser tests cannot run here, or undefined when they can. Without Chromium they are
 * skipped on a developer's machine and fail under CI=true (.ci/run installs it).
 */
export function unavailable(): string | undefined {
  if (!loadUiBuild()) throw new Error('the admin UI is not built: run `node scripts/build-ui.mjs` (npm test and npm run build do)')
  if (existsSync(CHROMIUM)) return undefined
  const reason = `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium) to run the admin UI browser tests`
  if (process.env.CI === 'true') throw new Error(reason)
  return reason
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}

export interface UiServer {
  readonly url: string
  readonly store: Store
  /** An instance admin token. */
  readonly adminToken: string
  close(): Promise<void>
}

/** A real server on SQLite (the admin API's own tests cover PostgreSQL), listening on a loopback port. */
export async function startUiServer(): Promise<UiServer> {
  const store = await openStore('sqlite::memory:')
  await store.migrate()
  const app = await buildApp({ store, registry: defaultRegistry(), config: configFromEnv({}) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const { token } = await issueAdminToken(store, { name: 'browser tests' })
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    adminToken: token,
    close: async () => {
      await app.close()
      await store.close()
    },
  }
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; failureSummary?: string }[]
}

/**
 * axe-core's violations on the page as it is now (WCAG 2.1 A and AA and best practices). The
 * script goes in through the DevTools protocol, not a script tag, which the page's CSP would
 * rightly refuse.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource)
  // A string, evaluated in the page: the server's TypeScript knows no DOM.
  return page.evaluate<AxeViolation[]>(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`)
}

/** Describes violations for an assertion message. */
export const described = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n  ')}`).join('\n')

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true })
}

/**
 * Waits until `expression`, evaluated in the page, is true. Not `page.waitForFunction`: its
 * polling evaluates the string inside the page, which the page's CSP (no 'unsafe-eval')
 * rightly refuses whenever the first check is false; `page.evaluate` goes through the DevTools
 * protocol instead.
 */
export async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await page.evaluate<boolean>(`Boolean(${expression})`))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}`)
    await page.waitForTimeout(50)
  }
}

/**
 * Fails the test on an uncaught page error or a console error (but the browser's own line for
 * a 4xx answer, which the pages show and explain): a page that throws or breaks its CSP fails
 * the test that caused it.
 */
export function watched(page: Page): Page {
  page.setDefaultTimeout(10_000)
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) assert.fail(`console error: ${m.text()}`)
  })
  return page
}

/** axe finds nothing on the page in the light theme, then in the dark one (screenshots of both); it is left light. */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate(`document.documentElement.dataset.theme = '${theme}'`)
    const violations = await axeViolations(page)
    assert.deepEqual(violations, [], `${name} (${theme}):\n${described(violations)}`)
    await screenshot(page, `${name}-${theme}`)
  }
  await page.evaluate(`document.documentElement.dataset.theme = 'light'`)
}

/** Signs in on the sign-in page with an admin token and waits for the tenants. */
export async function signIn(page: Page, server: UiServer, token = server.adminToken): Promise<void> {
  await page.goto(`${server.url}/ui/`)
  await page.getByLabel('Admin token', { exact: true }).fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor()
}

/** The page is no wider than the screen (a phone's, in these tests); keeps a screenshot. */
export async function assertFits(page: Page, name: string): Promise<void> {
  const overflow = await page.evaluate<number>(`document.documentElement.scrollWidth - document.documentElement.clientWidth`)
  assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the screen`)
  await screenshot(page, `phone-${name}`)
}

/** A phone's screen: 375 × 740, touch. */
export const phoneContext = (browser: Browser) => browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })

/**
 * Opens `url` and, once its heading is shown and nothing is loading, checks that the page is
 * no wider than the screen (wide tables scroll inside their own box; the page must not).
 */
export async function assertOpensFitting(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url)
  await page.getByRole('heading', { level: 1 }).waitFor()
  await page.locator('.state.loading').first().waitFor({ state: 'detached' })
  await assertFits(page, name)
}

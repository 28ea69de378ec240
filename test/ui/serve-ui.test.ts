/** The server side of the admin UI: what /ui/ serves, with which headers, and what it refuses. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startHarness, type Harness } from '../helpers/harness.js'
import { openStore } from '../../src/store/open-store.js'
import { loadUiBuild } from '../../src/ui/server/serve-ui.js'

describe('the admin UI is served at /ui/', () => {
  let h: Harness
  const build = loadUiBuild()
  before(async () => {
    assert.ok(build, 'the UI is built (node scripts/build-ui.mjs; npm test and npm run build do it)')
    h = await startHarness(() => openStore('sqlite::memory:'))
  })
  after(() => h.close())

  test('/ redirects to /ui/', async () => {
    const res = await h.raw({ method: 'GET', url: '/' })
    assert.equal(res.status, 302)
    assert.equal(res.headers.location, '/ui/')
  })

  test('every UI path answers index.html, revalidated, under a CSP that allows no inline script', async () => {
    for (const url of ['/ui', '/ui/', '/ui/tenants', '/ui/tenants/organization%3Aacme/users/123', '/ui/sign-in?x=1']) {
      const res = await h.raw({ method: 'GET', url })
      assert.equal(res.status, 200, url)
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
      assert.equal(res.headers['cache-control'], 'no-cache')
      const csp = String(res.headers['content-security-policy'])
      assert.match(csp, /default-src 'self'/)
      assert.match(csp, /script-src 'self'(;|$)/)
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
      assert.equal(res.headers['x-content-type-options'], 'nosniff')
      assert.match(res.text, /<script type="module" src="\/ui\/assets\/app-[\w-]+\.js"><\/script>/)
      // No inline script: every <script> names its source.
      assert.doesNotMatch(res.text, /<script(?![^>]*\ssrc=)[^>]*>/)
    }
  })

  test('assets, named by their content, are cached for good and revalidate by ETag', async () => {
    const index = await h.raw({ method: 'GET', url: '/ui/' })
    const names = [...index.text.matchAll(/\/ui\/assets\/(app-[\w-]+\.(js|css))/g)].map((m) => m[1]!)
    assert.equal(names.length, 2)
    for (const name of names) {
      const res = await h.raw({ method: 'GET', url: `/ui/assets/${name}` })
      assert.equal(res.status, 200)
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
      assert.match(String(res.headers['content-type']), name.endsWith('.js') ? /^text\/javascript/ : /^text\/css/)
      const again = await h.raw({ method: 'GET', url: `/ui/assets/${name}`, headers: { 'if-none-match': String(res.headers.etag) } })
      assert.equal(again.status, 304)
      assert.equal(again.text, '')
    }
  })

  test('only the built files are served: anything else under assets is a 404, never a file of the disk', async () => {
    for (const url of [
      '/ui/assets/nope.js',
      '/ui/assets/../index.html',
      '/ui/assets/..%2f..%2fpackage.json',
      '/ui/assets/%2e%2e/%2e%2e/src/ui/server/serve-ui.ts',
      '/ui/assets/manifest.json',
      '/ui/assets/',
    ]) {
      const res = await h.raw({ method: 'GET', url })
      if (res.status === 200) assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', `${url} may only be the app page`)
      else assert.equal(res.status, 404, url)
      assert.doesNotMatch(res.text, /"name": "roster"|registerUi/, url)
    }
  })
})

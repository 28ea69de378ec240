/**
 * Serves the admin UI at /ui/: the files scripts/build-ui.mjs wrote to dist/ui, read once into
 * memory when the server starts. Only the files the build listed are served, by exact name, so
 * no request path ever reaches the file system (no traversal to guard against). Every other
 * path under /ui/ gets index.html: the client routes by path, and a deep link must load it.
 *
 * Assets are named by a hash of their content and cached for good; index.html is revalidated
 * on every load, so a new build is picked up at once. The Content-Security-Policy allows
 * nothing but this origin's own scripts, styles and API: no inline script can run.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export const UI_PREFIX = '/ui'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

interface Asset {
  readonly body: Buffer
  readonly type: string
  readonly etag: string
}

export interface UiBuild {
  readonly index: Asset
  readonly assets: ReadonlyMap<string, Asset>
}

const asset = (body: Buffer, type: string): Asset => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` })

/** The built UI in `dir` (default: dist/ui next to the compiled server), or undefined when it was not built. */
export function loadUiBuild(dir = new URL('../../../ui/', import.meta.url)): UiBuild | undefined {
  const at = (name: string) => new URL(name, dir)
  if (!existsSync(at('manifest.json')) || !existsSync(at('index.html'))) return undefined
  const manifest = JSON.parse(readFileSync(at('manifest.json'), 'utf8')) as { files: string[] }
  const assets = new Map<string, Asset>()
  for (const name of manifest.files) {
    const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)]
    if (type) assets.set(name, asset(readFileSync(at(`assets/${name}`)), type))
  }
  return { index: asset(readFileSync(at('index.html')), 'text/html; charset=utf-8'), assets }
}

function send(request: FastifyRequest, reply: FastifyReply, file: Asset, cacheControl: string) {
  reply.headers(SECURITY_HEADERS).header('cache-control', cacheControl).header('etag', file.etag).type(file.type)
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  return reply.send(file.body)
}

/** Registers /ui/ (and / as a redirect to it). Without a build, /ui/ says how to make one. */
export function registerUi(app: FastifyInstance, build: UiBuild | undefined = loadUiBuild()): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${UI_PREFIX}/`, 302))

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!build) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The admin UI was not built: run `npm run build` (it writes dist/ui). The admin API at /admin/v1 works without it.\n')
    }
    return send(request, reply, build.index, 'no-cache')
  }
  app.get(UI_PREFIX, page)
  app.get(`${UI_PREFIX}/*`, async (request, reply) => {
    const rest = (request.params as { '*': string })['*']
    if (rest.startsWith('assets/')) {
      const file = build?.assets.get(rest.slice('assets/'.length))
      if (!file) return reply.code(404).headers(SECURITY_HEADERS).type('text/plain; charset=utf-8').send('no such asset\n')
      return send(request, reply, file, 'public, max-age=31536000, immutable')
    }
    return page(request, reply)
  })
}

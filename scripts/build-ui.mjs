#!/usr/bin/env node
/**
 * Builds the admin UI (src/ui/client) into dist/ui: one JavaScript bundle and one stylesheet,
 * named by a hash of their content (so the server can let browsers cache them for good), and
 * the index.html that names them. Run by `npm run build`, `npm test` and `prepare`.
 *
 * `--check` also type-checks the client with its own tsconfig (DOM library, Preact JSX):
 * esbuild strips types without checking them.
 */
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const client = join(root, 'src/ui/client')
const out = join(root, 'dist/ui')

if (process.argv.includes('--check')) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(client, 'tsconfig.json')], { stdio: 'inherit' })
}

const result = await esbuild.build({
  entryPoints: [join(client, 'main.tsx'), join(client, 'styles.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  write: false,
  outdir: out,
  logLevel: 'warning',
})
// A warning is a mistake that still builds (an unclosed CSS rule swallows the rules after it):
// fail the build, as tsc fails on a type error.
if (result.warnings.length) {
  console.error(`admin UI: ${result.warnings.length} build warning(s); fix them`)
  process.exit(1)
}

const hashed = (text) => createHash('sha256').update(text).digest('base64url').slice(0, 12)
const files = {}
for (const file of result.outputFiles) {
  const ext = file.path.endsWith('.css') ? 'css' : 'js'
  files[ext] = { name: `app-${hashed(file.contents)}.${ext}`, contents: file.contents }
}

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'assets'), { recursive: true })
for (const f of Object.values(files)) writeFileSync(join(out, 'assets', f.name), f.contents)

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Roster admin</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/${files.css.name}">
<script type="module" src="/ui/assets/${files.js.name}"></script>
</head>
<body>
<div id="app"><noscript>The Roster admin UI needs JavaScript. The admin API (/admin/v1) works without it.</noscript></div>
</body>
</html>
`
writeFileSync(join(out, 'index.html'), html)

const sizes = Object.values(files).map((f) => `${f.name} ${(f.contents.length / 1024).toFixed(1)} KB (${(gzipSync(f.contents).length / 1024).toFixed(1)} KB gzip)`)
if (!process.argv.includes('--quiet')) console.log(`admin UI built in dist/ui: ${sizes.join(', ')}`)
// The names are also listed for the server, which serves exactly these files and nothing else.
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ files: readdirSync(join(out, 'assets')) }, null, 2))

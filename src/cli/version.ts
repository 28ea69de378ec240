import { readFileSync } from 'node:fs'

/** The version in package.json, which ships beside dist/ (this file runs as dist/src/cli/version.js). */
export function rosterVersion(): string {
  const file = new URL('../../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

import { basename, delimiter, dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { redactDatabaseUrl } from '../store/open-store.js'

/**
 * How the user runs this CLI, for the hints it prints ("Next: …"): `npx roster` under npx,
 * `roster` when found on the PATH, else the script's path from the working directory
 * (`bin/roster` in a checkout), so that a hint can be pasted as is.
 */
export function commandName(
  env: NodeJS.ProcessEnv = process.env,
  script: string | undefined = process.argv[1],
  cwd: string = process.cwd(),
): string {
  if (env.npm_command === 'exec') return 'npx roster'
  if (script === undefined || script === '') return 'roster'
  const dir = dirname(script)
  if ((env.PATH ?? '').split(delimiter).some((d) => d !== '' && resolve(d) === dir)) return basename(script)
  const path = relative(cwd, script)
  if (path.startsWith('..') || isAbsolute(path)) return script
  // A bare name would be looked up on the PATH, not in the working directory.
  return path.includes(sep) ? path : `.${sep}${path}`
}

/** `word` as one shell word: as is when it holds nothing a shell would interpret, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/**
 * ` --database URL`, for a hint that must reach the same database; a URL holding a password is
 * not repeated on the screen (nor in a terminal's scroll-back).
 */
export function databaseOption(url: string): string {
  return redactDatabaseUrl(url).includes('***') ? ' --database <the same URL>' : ` --database ${shellWord(url)}`
}

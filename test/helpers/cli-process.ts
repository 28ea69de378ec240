import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository: this file runs as dist/test/helpers/cli-process.js. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'roster')

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** stdout's lines, without the last newline. */
  readonly lines: string[]
}

/**
 * The environment of a CLI child: this process's, without any ROSTER_* setting or npm's
 * `npm_command` (which would change what the CLI prints), plus `env`.
 */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ROSTER_') && name !== 'npm_command'),
  )
  return { ...clean, ...env }
}

/** Runs `bin/roster …args` (or `bin`) to its end, from the repository unless `cwd` says otherwise. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; bin?: string } = {},
): CliResult {
  const r = spawnSync(options.bin ?? BIN, args, {
    encoding: 'utf8',
    cwd: options.cwd ?? ROOT,
    env: cliEnv(options.env),
    // Bounded: a CLI that hangs fails its test instead of stalling the suite.
    timeout: 60_000,
  })
  if (r.error) throw r.error
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trimEnd().split('\n') }
}

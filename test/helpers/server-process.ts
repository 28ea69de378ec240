import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
export const BIN = join(root, 'bin', 'roster')

/** Every server started by this test process; killed when it exits, whatever happened. */
const running = new Set<ChildProcessWithoutNullStreams>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams
  /** Where it listens, e.g. `http://127.0.0.1:41234`. */
  readonly address: string
  /** All it printed so far. */
  stdout(): string
  stderr(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once it has exited. */
  stop(graceMs?: number): Promise<number | null>
}

/** Runs `bin/roster serve --port 0 …args` and waits until it prints where it listens. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(BIN, ['serve', '--port', '0', ...args], {
    env: { ...process.env, ROSTER_LOG_LEVEL: 'warn', ...env },
  })
  running.add(child)
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child)
      resolve(code)
    }),
  )
  const address = await new Promise<string>((resolve, reject) => {
    // A guard against a hang, not a measure: with --workers on a machine busy with other
    // suites, starting has taken more than 10 s.
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s: ${out}${err}`)), 60_000)
    const look = () => {
      const m = /Roster is listening on (http:\/\/\S+)/.exec(out)
      if (!m?.[1]) return
      clearTimeout(timer)
      child.stdout.off('data', look)
      resolve(m[1])
    }
    child.stdout.on('data', look)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}: ${out}${err}`))
    })
  }).catch((e: unknown) => {
    child.kill('SIGKILL')
    throw e
  })
  return {
    child,
    address,
    stdout: () => out,
    stderr: () => err,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

/**
 * Every child the benchmark starts is registered here so that it is stopped on every way out:
 * normal end, an error, Ctrl-C, SIGTERM. Children run in their own process group (`detached`)
 * so that a wrapper script and the node process it starts are stopped together, by group id.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'

const children = new Set<ChildProcess>()
const exitHooks: (() => void)[] = []
const cleanups: (() => Promise<unknown>)[] = []

/** `taskset -c CPU` in front of the command when asked and available (Linux). */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined || !existsSync('/usr/bin/taskset')) return [command, args]
  return ['/usr/bin/taskset', ['-c', String(cpu), command, ...args]]
}

export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

/** SIGTERM, then SIGKILL after `graceMs` if the child is still there. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child)
    return
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  signalGroup(child, 'SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs)
  })
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    signalGroup(child, 'SIGKILL')
    await exited
  }
  clearTimeout(timer)
  children.delete(child)
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)))
}

/**
 * Asynchronous cleanup (dropping a scratch database) that must run after the children have
 * stopped, on the normal way out and on a signal; `runCleanups` runs each once.
 */
export function onCleanup(hook: () => Promise<unknown>): void {
  cleanups.push(hook)
}

export async function runCleanups(): Promise<void> {
  for (const hook of cleanups.splice(0)) {
    try {
      await hook()
    } catch {
      // Best effort: each hook reports its own failure.
    }
  }
}

/** Runs at process exit, after the children are killed: remove temp files and the like. */
export function onExit(hook: () => void): void {
  exitHooks.push(hook)
}

function killAllNow(): void {
  for (const child of children) signalGroup(child, 'SIGKILL')
  children.clear()
  for (const hook of exitHooks.splice(0)) {
    try {
      hook()
    } catch {
      // Best effort on the way out.
    }
  }
}

let installed = false
/** Set once a signal asked us to stop: what fails after that is a consequence, not news. */
let stopping = false

/** Installs the handlers that make sure no child outlives the benchmark. */
export function installCleanup(): void {
  if (installed) return
  installed = true
  process.once('exit', killAllNow)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopping = true
      process.stderr.write(`\nbench: ${signal}, stopping children\n`)
      stopAll()
        .then(runCleanups)
        .finally(() => process.exit(130))
    })
  }
  process.on('uncaughtException', (error) => {
    // While stopping on a signal the generator's channel closes under running workloads; the
    // signal handler exits once the children are stopped and the scratch database dropped.
    if (stopping) return
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`)
    process.exit(1)
  })
}

/**
 * CPU time (user + system, ms) of every process in a process group, read from /proc;
 * undefined where /proc is not available. Used to show how busy the server's core was.
 */
export function groupCpuMs(pgid: number | undefined): number | undefined {
  if (pgid === undefined || !existsSync('/proc/self/stat')) return undefined
  const ticksPerSecond = 100 // USER_HZ, 100 on every Linux that node supports
  let ticks = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) !== pgid) continue
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return (ticks * 1000) / ticksPerSecond
}

/**
 * The parent's handle on the load generator process (bench/load-worker.ts).
 */
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { pinned, spawnTracked, stopChild } from './processes.js'
import type { RunResult, RunSpec, WorkerReply } from './run-spec.js'

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url))

export class LoadGenerator {
  readonly #child: ChildProcess
  #nextRunId = 1
  readonly #pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>()

  private constructor(child: ChildProcess) {
    this.#child = child
    child.on('message', (message: WorkerReply) => {
      const pending = this.#pending.get(message.runId)
      if (pending === undefined) return
      this.#pending.delete(message.runId)
      if (message.type === 'result') pending.resolve(message.result)
      else pending.reject(new Error(`load generator: ${message.message}`))
    })
    child.once('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(`load generator exited (${signal ?? code})`))
      }
      this.#pending.clear()
    })
  }

  /** Starts the generator process, pinned to `cpu` when given. */
  static start(cpu: number | undefined): LoadGenerator {
    const [command, args] = pinned(cpu, process.execPath, [WORKER])
    const child = spawnTracked(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    return new LoadGenerator(child)
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /**
   * Runs one spec. The generator bounds each phase by `spec.maxMs`; this adds a watchdog on
   * top so that a wedged generator cannot hang the benchmark.
   */
  run(spec: RunSpec): Promise<RunResult> {
    const runId = this.#nextRunId++
    const watchdogMs = 2 * spec.maxMs + 60_000
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(runId)
        reject(new Error(`load generator: no answer after ${watchdogMs} ms`))
      }, watchdogMs)
      this.#pending.set(runId, {
        resolve: (result) => {
          clearTimeout(timer)
          resolve(result)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
      this.#child.send({ type: 'run', runId, spec })
    })
  }

  async stop(): Promise<void> {
    await stopChild(this.#child)
  }
}

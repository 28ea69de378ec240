/**
 * The parent's handle on the load generator process (bench/load-worker.ts).
 */
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { pinned, spawnTracked, stopChild } from './processes.js'
import type { RunResult, RunSpec, WorkerReply } from './run-spec.js'

export interface RunControl {
  onMeasuring?: () => void
  signal?: AbortSignal
}

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url))

export class LoadGenerator {
  readonly #child: ChildProcess
  #nextRunId = 1
  readonly #pending = new Map<
    number,
    { resolve: (r: RunResult) => void; reject: (e: Error) => void; onMeasuring?: (() => void) | undefined }
  >()

  private constructor(child: ChildProcess) {
    this.#child = child
    child.on('message', (message: WorkerReply) => {
      const pending = this.#pending.get(message.runId)
      if (pending === undefined) return
      if (message.type === 'measuring') {
        pending.onMeasuring?.()
        return
      }
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
   * top so that a wedged generator cannot hang the benchmark. `control.onMeasuring` is called
   * when the warm-up is over; aborting `control.signal` ends the phase under way at once (the
   * run still answers, with what it measured until then).
   */
  run(spec: RunSpec, control: RunControl = {}): Promise<RunResult> {
    const runId = this.#nextRunId++
    const { signal } = control
    const stop = () => this.#child.send({ type: 'stop', runId })
    if (signal?.aborted) queueMicrotask(stop)
    else signal?.addEventListener('abort', stop, { once: true })
    const watchdogMs = 2 * spec.maxMs + 60_000
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(runId)
        signal?.removeEventListener('abort', stop)
        reject(new Error(`load generator: no answer after ${watchdogMs} ms`))
      }, watchdogMs)
      this.#pending.set(runId, {
        resolve: (result) => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', stop)
          resolve(result)
        },
        reject: (error) => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', stop)
          reject(error)
        },
        onMeasuring: control.onMeasuring,
      })
      this.#child.send({ type: 'run', runId, spec })
    })
  }

  async stop(): Promise<void> {
    await stopChild(this.#child)
  }
}

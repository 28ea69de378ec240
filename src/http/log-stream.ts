import { writeSync } from 'node:fs'

/** POSIX: a write of at most this many bytes to a pipe is not interleaved with other writers'. */
const PIPE_BUF = 4096
const NEWLINE = 0x0a
/** How soon a descriptor that would block (a full non-blocking pipe) is tried again. */
const RETRY_MS = 20
/** At exit there is no later: wait for the reader, but not forever. */
const EXIT_RETRIES = 250

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * The destination of the server's log lines: the lines of one event-loop turn are written
 * together, synchronously, when the turn ends (and at exit). pino's default destination hands
 * each batch to libuv's thread pool instead; with the server on one core, that hand-off cost
 * about as much as formatting the line itself, on every request.
 *
 * Each write ends at a line boundary and holds at most PIPE_BUF bytes (unless one line is
 * longer), so the lines of several processes writing to one pipe (`serve --workers`) never
 * interleave. A descriptor that would block is retried shortly, lines kept meanwhile (the
 * retry keeps the process alive, as pino's destination does while it writes); at exit the
 * stream waits for the reader a little. One that fails otherwise (EPIPE: nobody reads the log
 * any more) turns the stream into a no-op, as pino's destination does, rather than failing
 * requests.
 */
export class LogStream {
  readonly #fd: number
  #pending = ''
  /** Bytes the descriptor did not take yet; written before anything pending. */
  #blocked: Buffer | undefined
  #scheduled = false
  #retry: NodeJS.Timeout | undefined
  #broken = false

  constructor(fd: number) {
    this.#fd = fd
    process.once('exit', () => this.flush(EXIT_RETRIES))
  }

  write(line: string): void {
    if (this.#broken) return
    this.#pending += line
    if (this.#scheduled || this.#retry !== undefined) return
    this.#scheduled = true
    setImmediate(this.#endOfTurn)
  }

  readonly #endOfTurn = (): void => {
    this.#scheduled = false
    this.flush()
  }

  readonly #retryNow = (): void => {
    this.#retry = undefined
    this.flush()
  }

  /**
   * Writes everything it can now. What would block is retried after RETRY_MS, or, with
   * `waits`, right here after a pause, up to that many times.
   */
  flush(waits = 0): void {
    if (this.#broken) return
    let data = this.#blocked
    if (this.#pending !== '') {
      const fresh = Buffer.from(this.#pending)
      data = data === undefined ? fresh : Buffer.concat([data, fresh])
      this.#pending = ''
    }
    this.#blocked = undefined
    if (data === undefined) return
    let offset = 0
    for (;;) {
      try {
        while (offset < data.length) offset += writeSync(this.#fd, data, offset, chunkEnd(data, offset) - offset)
        return
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'EAGAIN') {
          this.#broken = true
          return
        }
        if (waits-- <= 0) break
        pause(RETRY_MS)
      }
    }
    this.#blocked = data.subarray(offset)
    this.#retry ??= setTimeout(this.#retryNow, RETRY_MS)
  }
}

/** Where the write starting at `offset` ends: after the last newline within PIPE_BUF bytes. */
function chunkEnd(data: Buffer, offset: number): number {
  if (data.length - offset <= PIPE_BUF) return data.length
  const newline = data.lastIndexOf(NEWLINE, offset + PIPE_BUF - 1)
  if (newline >= offset) return newline + 1
  // One line longer than PIPE_BUF: written whole, it cannot be kept apart anyway.
  const next = data.indexOf(NEWLINE, offset + PIPE_BUF)
  return next === -1 ? data.length : next + 1
}

/**
 * An endpoint's progress, recorded in batches (docs/webhooks.md, "How progress is recorded").
 * The deliverer still sends one event at a time and the next only after a 2xx, but writing the
 * log entry and the cursor move before each next send made one endpoint as slow as a receiver
 * answer plus a database write. Here delivered events are noted in memory and written as one
 * batch — their log entries and the cursor move in one write — once `events` are waiting or
 * `ms` after the first of them, whichever comes first, while the next events are being sent.
 *
 * What a crash loses is only what at-least-once allows: the events delivered since the last
 * write were answered 2xx but the cursor is still before them, so they are sent again, in
 * order, with the same `webhook-id`. Nothing is skipped, since the cursor only ever moves to
 * events that were answered (or that the endpoint does not take).
 *
 * Writes go one after the other (a later one never overtakes an earlier one), and `flush()`
 * waits for all of them: the deliverer calls it before anything that must be durable first —
 * a failed attempt, the release of its claim, stopping. A database slower than the receiver
 * must not let the unrecorded tail grow without bound, so `room()` makes the deliverer wait
 * before its next send while a second batch is queued behind the one being written: what a
 * crash re-sends stays under three batches.
 */
import type { NewWebhookDelivery } from '../../store/records/webhook.js'

/** When a batch is written: whichever comes first. */
export interface RecordEvery {
  /** Delivered events waiting. */
  readonly events: number
  /** Milliseconds after the first of them was delivered. */
  readonly ms: number
}

export const RECORD_EVERY: RecordEvery = { events: 100, ms: 50 }

/** Writes `records` to the log and moves the cursor to `cursor`; false once the claim is lost. */
export type WriteProgress = (records: readonly NewWebhookDelivery[], cursor: number) => Promise<boolean>

export class Progress {
  readonly #write: WriteProgress
  readonly #every: RecordEvery
  #records: NewWebhookDelivery[] = []
  /** The last seq dealt with, written or not. */
  #cursor: number
  /** The cursor as last written (or as claimed). */
  #written: number
  /** The writes so far, one after the other. */
  #writing: Promise<void> = Promise.resolve()
  /** Writes started and not yet done. */
  #queued = 0
  #timer: NodeJS.Timeout | undefined
  #held = true
  #failure: unknown

  constructor(cursor: number, write: WriteProgress, every: RecordEvery = RECORD_EVERY) {
    this.#cursor = cursor
    this.#written = cursor
    this.#write = write
    this.#every = every
  }

  /** Still holding the claim and able to write, as far as the writes so far tell. */
  get ok(): boolean {
    return this.#held && this.#failure === undefined
  }

  /** The event of `record` was answered 2xx (or dead-lettered): the cursor moves past it. */
  dealtWith(record: NewWebhookDelivery): void {
    this.#records.push(record)
    this.#moveTo(record.eventSeq)
    if (this.#records.length >= this.#every.events) this.#startWrite()
  }

  /** Events up to `seq` are not for the endpoint: the cursor moves past them with the next write. */
  skipped(seq: number): void {
    this.#moveTo(seq)
  }

  /** Resolves once at most one write is under way (at once, usually). */
  async room(): Promise<void> {
    if (this.#queued >= 2) await this.#writing
  }

  /**
   * Writes what is waiting and waits for every write; throws what a write threw. Resolves to
   * whether the claim is still held.
   */
  async flush(): Promise<boolean> {
    this.#startWrite()
    await this.#writing
    if (this.#failure !== undefined) throw this.#failure
    return this.#held
  }

  #moveTo(seq: number): void {
    if (seq > this.#cursor) this.#cursor = seq
    this.#timer ??= setTimeout(() => this.#startWrite(), this.#every.ms)
  }

  #startWrite(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#cursor === this.#written && this.#records.length === 0) return
    const records = this.#records
    const cursor = this.#cursor
    this.#records = []
    this.#written = cursor
    this.#queued++
    this.#writing = this.#writing.then(async () => {
      // Nothing more is written once a write failed: the work ends, and the next holder starts
      // from the cursor as it was. A lost claim still logs the attempts (the cursor stays).
      try {
        if (this.#failure === undefined && !(await this.#write(records, cursor))) this.#held = false
      } catch (e) {
        this.#failure = e
      } finally {
        this.#queued--
      }
    })
  }
}

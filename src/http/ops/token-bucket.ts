import type { Budget } from './settings.js'

/** Buckets kept before full ones (idle clients) are let go. */
const SWEEP_ABOVE = 10_000

interface Bucket {
  tokens: number
  at: number
}

/** Token buckets by key (`token:<id>`, `tenant:<id>`), each refilling at its budget's rate. */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>()

  /** The bucket of `key` brought up to `now`; a new key starts full. */
  #refilled(key: string, budget: Budget, now: number): Bucket {
    let bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      if (this.#buckets.size >= SWEEP_ABOVE) this.#sweep(budget, now)
      bucket = { tokens: budget.burst, at: now }
      this.#buckets.set(key, bucket)
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(budget.burst, bucket.tokens + ((now - bucket.at) / 1000) * budget.rate)
      bucket.at = now
    }
    return bucket
  }

  /** Whole tokens in `key`'s bucket now. */
  available(key: string, budget: Budget, now: number): number {
    return Math.floor(this.#refilled(key, budget, now).tokens)
  }

  /** Takes `n` tokens, which the caller has seen are `available`. */
  spend(key: string, n: number): void {
    const bucket = this.#buckets.get(key)
    if (bucket) bucket.tokens -= n
  }

  /** Takes up to `want` tokens (what there is, maybe none) and says how many. */
  grant(key: string, budget: Budget, want: number, now: number): number {
    const n = Math.min(want, this.available(key, budget, now))
    this.spend(key, n)
    return n
  }

  /** Milliseconds until `key`'s bucket holds one whole token. */
  waitMs(key: string, budget: Budget, now: number): number {
    const missing = 1 - this.#refilled(key, budget, now).tokens
    return missing <= 0 ? 0 : Math.ceil((missing / budget.rate) * 1000)
  }

  /** A full bucket is what a new one would be: forgetting it changes nothing. */
  #sweep(budget: Budget, now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * budget.rate >= budget.burst) this.#buckets.delete(key)
    }
  }
}

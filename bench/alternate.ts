/**
 * Two (or more) fixed lists of requests measured in alternating rounds: round r sends the r-th
 * slice of each side's list, the sides in turn, the order reversed every other round. Each
 * side's first `warmup` requests are sent before its first round and not recorded.
 */
import { combineRounds, roundOrder, splitEvenly, type RoundResult } from './combine.js'
import { measure, type BenchContext, type Measured, type Measurement } from './context.js'
import type { PlannedRequest } from './plan.js'

export interface Side {
  readonly name: string
  readonly endpoint: Measured
  /** `warmup` requests, then the measured ones. */
  readonly requests: readonly PlannedRequest[]
}

export interface Alternated {
  /** Each side's rounds combined. */
  readonly combined: Map<string, Measurement>
  readonly rounds: Map<string, RoundResult[]>
}

export async function measureAlternating(
  ctx: BenchContext,
  sides: readonly Side[],
  options: { rounds: number; warmup: number; connections: number; what: string },
): Promise<Alternated> {
  const rounds = new Map<string, RoundResult[]>(sides.map((side) => [side.name, []]))
  const slices = new Map(sides.map((side) => [side.name, splitEvenly(Math.max(0, side.requests.length - options.warmup), options.rounds)]))
  const offsets = new Map(sides.map((side) => [side.name, options.warmup]))
  for (let round = 0; round < options.rounds; round++) {
    for (const side of roundOrder(sides, round)) {
      const count = slices.get(side.name)?.[round] ?? 0
      const from = offsets.get(side.name) ?? 0
      // The warm-up rides in front of the side's first round, on the same connections.
      const warmup = round === 0 ? options.warmup : 0
      const requests = side.requests.slice(from - warmup, from + count)
      offsets.set(side.name, from + count)
      ctx.log(`${options.what}: round ${round + 1} of ${options.rounds}, ${side.name} (${count} requests)`)
      const { measurement, result } = await measure(ctx, side.endpoint, {
        plan: { kind: 'list', requests },
        warmup: { requests: warmup },
        measure: { requests: count },
        connections: options.connections,
        keepLatencies: true,
      })
      rounds.get(side.name)?.push({ measurement, latencies: result.latencies ?? [] })
    }
  }
  const combined = new Map([...rounds].map(([name, own]) => [name, combineRounds(own)]))
  return { combined, rounds }
}

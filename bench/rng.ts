/**
 * A small seeded PRNG (mulberry32) so that a run can be repeated exactly with `--seed`.
 * Math.random cannot be seeded.
 */
export type Rng = () => number

export function seededRng(seed: number): Rng {
  let state = seed >>> 0
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [0, bound). */
export function randomIndex(rng: Rng, bound: number): number {
  return Math.floor(rng() * bound)
}

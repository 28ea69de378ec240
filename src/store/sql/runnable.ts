/**
 * Query classes are written as store work (statement.ts): methods that return `Work<T>`. A
 * store hands them out bound to one of its ways of running work (a transaction's connection,
 * the pool), so callers above the store call plain async methods and never see SQL.
 */
import type { RunWork } from './sql-store.js'
import type { Work } from './statement.js'

/** The work-returning methods of `Q`, each returning a promise of the work's result instead. */
export type Runnable<Q> = {
  readonly [K in keyof Q as Q[K] extends (...args: never[]) => Work<unknown> ? K : never]: Q[K] extends (
    ...args: infer A
  ) => Work<infer T>
    ? (...args: A) => Promise<T>
    : never
}

/** `queries`' public methods, each running the work it returns with `run`. */
export function runnable<Q extends object>(queries: Q, run: RunWork): Runnable<Q> {
  const bound: Record<string, unknown> = {}
  for (let proto = Object.getPrototypeOf(queries) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const method = (queries as Record<string, unknown>)[key]
      if (key === 'constructor' || key in bound || typeof method !== 'function') continue
      bound[key] = (...args: unknown[]) => run((method as (...a: unknown[]) => Work<unknown>).apply(queries, args))
    }
  }
  return Object.freeze(bound) as Runnable<Q>
}

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

interface Bound {
  readonly queries: Record<string, (...args: unknown[]) => Work<unknown>>
  readonly run: RunWork
}

type BoundClass = new (queries: object, run: RunWork) => object

/**
 * One class per query class, made on first use: binding a transaction's queries is then one
 * small object (it happens on every write), not a closure per method.
 */
const classes = new WeakMap<object, BoundClass>()

function boundClass(prototype: object): BoundClass {
  const made = classes.get(prototype)
  if (made) return made
  const Class = function (this: { queries: object; run: RunWork }, queries: object, run: RunWork) {
    this.queries = queries
    this.run = run
  } as unknown as BoundClass
  const names = new Set<string>()
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== 'constructor' && typeof (p as Record<string, unknown>)[name] === 'function') names.add(name)
    }
  }
  for (const name of names) {
    Object.defineProperty(Class.prototype, name, {
      value: function (this: Bound, ...args: unknown[]) {
        return this.run(this.queries[name]!(...args))
      },
    })
  }
  classes.set(prototype, Class)
  return Class
}

/** `queries`' public methods, each running the work it returns with `run`. */
export function runnable<Q extends object>(queries: Q, run: RunWork): Runnable<Q> {
  return new (boundClass(Object.getPrototypeOf(queries) as object))(queries, run) as Runnable<Q>
}

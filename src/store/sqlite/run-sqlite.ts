/**
 * Runs store work (`Work<T>`, src/store/sql/statement.ts) on the SQLite connection,
 * synchronously: better-sqlite3 answers each statement in the call, so the whole of a
 * query's work happens inside the read batch or write transaction that called it.
 */
import type { Statement as SqliteStatement } from 'better-sqlite3'
import type { Statement, StatementObserver, StatementResult, Work } from '../sql/statement.js'

/** The prepared statements of the connection, by SQL text (StatementCache). */
export interface Statements {
  get(sql: string): SqliteStatement
}

const NO_ROWS: readonly unknown[] = Object.freeze([])

export function runSqlite<T>(work: Work<T>, statements: Statements, observe?: StatementObserver): T {
  let step = work.next()
  while (step.done !== true) {
    let result: StatementResult
    try {
      result = execute(step.value, statements, observe)
    } catch (e) {
      step = work.throw(e)
      continue
    }
    step = work.next(result)
  }
  return step.value
}

function execute(statement: Statement, statements: Statements, observe: StatementObserver | undefined): StatementResult {
  observe?.(statement)
  const prepared = statements.get(statement.sql)
  // A statement with a select list or RETURNING answers rows; any other only a count.
  if (!prepared.reader) return { rows: NO_ROWS, changes: prepared.run(...statement.params).changes }
  // A statement's text is read one way only (member pages as arrays), so array mode, once set,
  // stays right for that statement; object mode is better-sqlite3's default.
  if (statement.arrays === true) prepared.raw(true)
  const rows = prepared.all(...statement.params)
  return { rows, changes: rows.length }
}

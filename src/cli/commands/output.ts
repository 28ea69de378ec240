/**
 * How commands print: tables with aligned columns for people, JSON for machines. Text that
 * came from outside (an IdP's display names, a team's description) is printed with its control
 * characters escaped: a name holding an escape sequence must not drive the operator's terminal,
 * and one holding a newline must not make a table lie about its rows.
 */
import type { Out } from './common.js'

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g
const escaped = (c: string) => {
  const code = c.charCodeAt(0)
  return code === 0x0a ? '\\n' : code === 0x09 ? '\\t' : code === 0x0d ? '\\r' : `\\x${code.toString(16).padStart(2, '0')}`
}

/** `text` safe to show on a terminal: control characters written as escapes. */
export const printable = (text: string): string => text.replace(CONTROL, escaped)

/**
 * Columns padded to their widest cell and two spaces apart; the last column is not padded, so
 * a line never ends in spaces. Widths count UTF-16 units: wide characters may skew a column.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cells = [header, ...rows].map((row) => row.map(printable))
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)))
  return cells.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}

export function printTable(out: Out, header: readonly string[], rows: readonly (readonly string[])[]): void {
  for (const line of table(header, rows)) out(line)
}

/**
 * `value` as JSON, two spaces deep. JSON.stringify leaves C1 control characters (U+0080 to
 * U+009F, among them a terminal's CSI) as they are; they are escaped too, which keeps it JSON.
 */
export function printJson(out: Out, value: unknown): void {
  out(JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
}

/** A list that may have been cut at `--limit`: say so, and how to see the rest. */
export function moreNote(out: Out, shown: number, more: boolean, narrow: string): void {
  if (more) out(`Showing the first ${shown}; there are more: raise --limit${narrow ? ` or narrow with ${narrow}` : ''}.`)
}

export const orDash = (value: string | null | undefined): string => (value === null || value === undefined || value === '' ? '-' : value)

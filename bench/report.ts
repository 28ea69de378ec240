/**
 * The results: one row per measured thing, printed as a table for a person and kept as JSON
 * for tools (and for comparing runs).
 */
import type { Measurement } from './context.js'
import { mergeRss } from './rss.js'

/** The memory target: server memory under these loads stays under 300 MB per process. */
export const RSS_TARGET_MB = 300

export interface Row {
  /** Workload it belongs to: create, lookup, patch, page. */
  workload: string
  label: string
  /**
   * `baseline` rows are the bare Fastify route; `info` rows carry no target; `summary` rows
   * carry a figure of several rows (a sync's total seconds, peak memory) instead of load.
   */
  kind: 'workload' | 'baseline' | 'info' | 'summary'
  measurement: Measurement
  /** e.g. `{ value: 0.45, of: 'bare' }`: this row's throughput divided by the other's. */
  ratio?: { value: number; of: string }
  target?: { text: string; met: boolean }
  /** For a summary row, what goes in the ratio column, e.g. `41.2 s`. */
  figure?: string
  /** False for rows whose load is the benchmark's own choice (loading users), not a workload. */
  rssTarget?: false
  notes: string[]
}

export interface Report {
  startedAt: string
  finishedAt: string
  node: string
  machine: { cpus: number; model: string }
  measured: string
  settings: Record<string, unknown>
  rows: Row[]
  /** Any request failed (non-2xx or network) in any measured phase or check. */
  errors: boolean
  /** Every row that has a target met it. */
  targetsMet: boolean
}

export function baselineRow(workload: string, label: string, measurement: Measurement): Row {
  return { workload, label, kind: 'baseline', measurement, notes: [] }
}

/** A workload that could not finish: flagged as an error, with the reason. */
export function failedRow(workload: string, reason: string): Row {
  const measurement: Measurement = {
    reqPerSec: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    requests: 0,
    errors: 0,
    durationMs: 0,
    statusCounts: {},
    errorSamples: [`${workload} failed: ${reason}`],
    generatorCpu: 0,
  }
  return { workload, label: `${workload} (FAILED)`, kind: 'info', measurement, notes: [] }
}

/** A target is met only by a row whose requests all succeeded. */
export function target(text: string, measurement: Measurement, met: boolean): { text: string; met: boolean } {
  return { text, met: met && measurement.errors === 0 }
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

function ms(value: number): string {
  if (Number.isNaN(value)) return '-'
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)
}

/** Two decimals, three below 0.1 so that a tiny ratio does not read as zero. */
function ratio(value: number): string {
  return value.toFixed(value < 0.1 ? 3 : 2)
}

function cells(row: Row): string[] {
  const m = row.measurement
  const label = row.kind === 'baseline' ? `  ${row.label}` : row.label
  const rss = m.serverRss === undefined ? '' : number.format(m.serverRss.maxProcessMb)
  const result = row.target === undefined ? '' : row.target.met ? 'met' : 'NOT MET'
  if (row.kind === 'summary') {
    return [label, '', '', '', String(m.errors), rss, row.figure ?? '', row.target?.text ?? '', result]
  }
  return [
    label,
    number.format(m.reqPerSec),
    ms(m.p50Ms),
    ms(m.p99Ms),
    String(m.errors),
    rss,
    row.ratio === undefined ? '' : `${ratio(row.ratio.value)}x ${row.ratio.of}`,
    row.target?.text ?? '',
    result,
  ]
}

const HEADER = ['workload', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MB', 'ratio', 'target', 'result']
/** Columns aligned right (numbers). */
const RIGHT = new Set([1, 2, 3, 4, 5])

export function formatTable(rows: Row[]): string {
  const table = [HEADER, ...rows.map(cells)]
  const widths = HEADER.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)))
  const render = (line: string[]): string =>
    line
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return RIGHT.has(column) ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('  ')
  return [render(HEADER), rule, ...table.slice(1).map(render)].join('\n')
}

/** Share of a core above which the load generator, not the server, may set the pace. */
const GENERATOR_BUSY = 0.9

/** Notes, CPU shares and error samples: what explains a surprising figure. */
export function formatDetails(rows: Row[]): string {
  const lines: string[] = []
  for (const row of rows) {
    const m = row.measurement
    const rss = m.serverRss
    const cpu = [
      m.serverCpu === undefined ? undefined : `server ${(m.serverCpu * 100).toFixed(0)}% of a core`,
      `generator ${(m.generatorCpu * 100).toFixed(0)}%`,
      rss === undefined || rss.processes < 2
        ? undefined
        : `RSS ${number.format(rss.maxTotalMb)} MB over ${rss.processes} processes`,
    ].filter((part) => part !== undefined)
    const facts = [`${number.format(m.requests)} requests in ${(m.durationMs / 1000).toFixed(2)} s`, ...cpu]
    if (row.kind !== 'summary') lines.push(`${row.label.trim()}: ${facts.join(', ')}`)
    else if (row.notes.length > 0 || m.errorSamples.length > 0) lines.push(`${row.label.trim()}:`)
    if (row.kind === 'baseline' && m.generatorCpu >= GENERATOR_BUSY) {
      lines.push('  note: the load generator was near a full core: this baseline may be client-bound,')
      lines.push('        which flatters the ratio')
    }
    for (const note of row.notes) lines.push(`  note: ${note}`)
    for (const sample of m.errorSamples) lines.push(`  error: ${sample}`)
  }
  return lines.join('\n')
}

export function summaryLine(report: Report): string {
  const parts = [report.errors ? 'FLAGGED: some requests failed (see errors above)' : 'no request failed']
  parts.push(report.targetsMet ? 'all targets met' : 'some targets NOT met')
  return parts.join('; ')
}

/** Measurement of a summary row: no load of its own. */
export function emptyMeasurement(): Measurement {
  return {
    reqPerSec: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    requests: 0,
    errors: 0,
    durationMs: 0,
    statusCounts: {},
    errorSamples: [],
    generatorCpu: 0,
  }
}

/**
 * The peak RSS of any server process over all rows (the memory target), or
 * undefined when the server is not ours to watch (--target).
 */
export function rssRow(rows: Row[]): Row | undefined {
  const peaksOf = (some: Row[]) => some.flatMap((row) => row.measurement.serverRss ?? [])
  const counted = rows.filter((row) => row.rssTarget !== false)
  const peaks = peaksOf(counted)
  if (peaks.length === 0) return undefined
  const peak = mergeRss(peaks)
  const loading = mergeRss(peaksOf(rows.filter((row) => row.rssTarget === false)))
  const mb = (row: Row | undefined) => row?.measurement.serverRss?.maxProcessMb ?? -1
  const worst = counted.reduce<Row | undefined>((acc, row) => (mb(row) > mb(acc) ? row : acc), undefined)
  const measurement = { ...emptyMeasurement(), serverRss: peak }
  return {
    workload: 'rss',
    label: 'server RSS, peak of any process',
    kind: 'summary',
    measurement,
    figure: `${number.format(peak.maxProcessMb)} MB`,
    target: { text: `< ${RSS_TARGET_MB} MB per process`, met: peak.maxProcessMb < RSS_TARGET_MB },
    notes: [
      `highest during: ${worst?.label.trim() ?? '-'}; up to ${peak.processes} server process(es), ` +
        `${number.format(peak.maxTotalMb)} MB together; ${peak.samples} samples of /proc/<pid>/status VmRSS`,
      `of the largest process, at most ${number.format(peak.maxProcessAnonMb)} MB anonymous (RssAnon: heap, ` +
        'stacks); the rest of VmRSS is mapped files (the node binary and its libraries; database pages if mapped)',
      ...(loading.samples === 0
        ? []
        : [`loading users (not a workload, not counted): up to ${number.format(loading.maxProcessMb)} MB`]),
    ],
  }
}

export function hasErrors(rows: Row[]): boolean {
  return rows.some((row) => row.measurement.errors > 0 || row.measurement.errorSamples.length > 0)
}

export function targetsMet(rows: Row[]): boolean {
  return rows.every((row) => row.target === undefined || row.target.met)
}

/**
 * Resident memory of the server under test: every process of its process group (the server,
 * or the primary and its workers with `serve --workers N`), read from /proc/<pid>/status while
 * a workload runs. The memory target is per process, so the maximum of any one process is what
 * counts; the sum over the group is kept beside it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'

export interface RssPeak {
  /** Largest VmRSS any single process of the group had in any sample, in MB. */
  maxProcessMb: number
  /**
   * Largest RssAnon (heap, stacks: memory only the process holds) of any single process, in
   * MB. VmRSS also counts file pages the process maps, e.g. a memory-mapped SQLite database,
   * which the kernel can drop and reread at will.
   */
  maxProcessAnonMb: number
  /** Largest sum of VmRSS over the group in one sample, in MB. */
  maxTotalMb: number
  /** Most processes seen in one sample. */
  processes: number
  samples: number
}

/** VmRSS of a /proc/<pid>/status text, in kB; undefined for a kernel thread or a zombie. */
export function vmRssKb(status: string): number | undefined {
  return statusKb(status, 'VmRSS')
}

/** RssAnon of a /proc/<pid>/status text, in kB (0 when the kernel does not report it). */
export function rssAnonKb(status: string): number {
  return statusKb(status, 'RssAnon') ?? 0
}

function statusKb(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)
  return match === null ? undefined : Number(match[1])
}

/** One process's resident memory, in kB. */
export interface ProcessRss {
  readonly rss: number
  readonly anon: number
}

/** Folds one sample (kB by pid) into the peak so far. */
export function foldRss(peak: RssPeak, sampleKb: ReadonlyMap<number, ProcessRss>): RssPeak {
  let total = 0
  let largest = 0
  let largestAnon = 0
  for (const { rss, anon } of sampleKb.values()) {
    total += rss
    largest = Math.max(largest, rss)
    largestAnon = Math.max(largestAnon, anon)
  }
  return {
    maxProcessMb: Math.max(peak.maxProcessMb, largest / 1024),
    maxProcessAnonMb: Math.max(peak.maxProcessAnonMb, largestAnon / 1024),
    maxTotalMb: Math.max(peak.maxTotalMb, total / 1024),
    processes: Math.max(peak.processes, sampleKb.size),
    samples: peak.samples + 1,
  }
}

export const NO_RSS: RssPeak = { maxProcessMb: 0, maxProcessAnonMb: 0, maxTotalMb: 0, processes: 0, samples: 0 }

/** Peak of several peaks (the RSS summary row over all workloads). */
export function mergeRss(peaks: readonly RssPeak[]): RssPeak {
  return peaks.reduce(
    (acc, p) => ({
      maxProcessMb: Math.max(acc.maxProcessMb, p.maxProcessMb),
      maxProcessAnonMb: Math.max(acc.maxProcessAnonMb, p.maxProcessAnonMb),
      maxTotalMb: Math.max(acc.maxTotalMb, p.maxTotalMb),
      processes: Math.max(acc.processes, p.processes),
      samples: acc.samples + p.samples,
    }),
    NO_RSS,
  )
}

/** VmRSS and RssAnon in kB of every process whose process group is `pgid`. */
export function groupRssKb(pgid: number): Map<number, ProcessRss> {
  const sample = new Map<number, ProcessRss>()
  if (!existsSync('/proc/self/status')) return sample
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) !== pgid) continue
      const status = readFileSync(`/proc/${entry}/status`, 'utf8')
      const kb = vmRssKb(status)
      if (kb !== undefined) sample.set(Number(entry), { rss: kb, anon: rssAnonKb(status) })
    } catch {
      // The process ended between readdir and read.
    }
  }
  return sample
}

/** Samples the group every `intervalMs` until stopped; undefined where /proc is missing. */
export function sampleRss(pgid: number | undefined, intervalMs = 250): () => RssPeak | undefined {
  if (pgid === undefined || !existsSync('/proc/self/status')) return () => undefined
  let peak = foldRss(NO_RSS, groupRssKb(pgid))
  const timer = setInterval(() => {
    peak = foldRss(peak, groupRssKb(pgid))
  }, intervalMs)
  return () => {
    clearInterval(timer)
    peak = foldRss(peak, groupRssKb(pgid))
    return peak
  }
}

/**
 * Resident memory of the server under test: every process of its process group (the server,
 * or the primary and its workers with `serve --workers N`), read from /proc/<pid>/status while
 * a workload runs. The issue-3 target is per process, so the maximum of any one process is what
 * counts; the sum over the group is kept beside it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'

export interface RssPeak {
  /** Largest VmRSS any single process of the group had in any sample, in MB. */
  maxProcessMb: number
  /** Largest sum of VmRSS over the group in one sample, in MB. */
  maxTotalMb: number
  /** Most processes seen in one sample. */
  processes: number
  samples: number
}

/** VmRSS of a /proc/<pid>/status text, in kB; undefined for a kernel thread or a zombie. */
export function vmRssKb(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  return match === null ? undefined : Number(match[1])
}

/** Folds one sample (kB by pid) into the peak so far. */
export function foldRss(peak: RssPeak, sampleKb: ReadonlyMap<number, number>): RssPeak {
  let total = 0
  let largest = 0
  for (const kb of sampleKb.values()) {
    total += kb
    largest = Math.max(largest, kb)
  }
  return {
    maxProcessMb: Math.max(peak.maxProcessMb, largest / 1024),
    maxTotalMb: Math.max(peak.maxTotalMb, total / 1024),
    processes: Math.max(peak.processes, sampleKb.size),
    samples: peak.samples + 1,
  }
}

export const NO_RSS: RssPeak = { maxProcessMb: 0, maxTotalMb: 0, processes: 0, samples: 0 }

/** Peak of several peaks (the RSS summary row over all workloads). */
export function mergeRss(peaks: readonly RssPeak[]): RssPeak {
  return peaks.reduce(
    (acc, p) => ({
      maxProcessMb: Math.max(acc.maxProcessMb, p.maxProcessMb),
      maxTotalMb: Math.max(acc.maxTotalMb, p.maxTotalMb),
      processes: Math.max(acc.processes, p.processes),
      samples: acc.samples + p.samples,
    }),
    NO_RSS,
  )
}

/** VmRSS in kB of every process whose process group is `pgid`. */
export function groupRssKb(pgid: number): Map<number, number> {
  const sample = new Map<number, number>()
  if (!existsSync('/proc/self/status')) return sample
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) !== pgid) continue
      const kb = vmRssKb(readFileSync(`/proc/${entry}/status`, 'utf8'))
      if (kb !== undefined) sample.set(Number(entry), kb)
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

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { foldRss, mergeRss, NO_RSS, rssAnonKb, vmRssKb } from './rss.js'

describe('vmRssKb', () => {
  test('reads VmRSS from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 1 kB\n'
    assert.equal(vmRssKb(status), 81234)
  })
  test('a kernel thread has none', () => {
    assert.equal(vmRssKb('Name:\tkthreadd\nState:\tS\n'), undefined)
  })
  test('RssAnon: the anonymous part; 0 where the kernel does not say', () => {
    assert.equal(rssAnonKb('Name:\tnode\nVmRSS:\t   81234 kB\nRssAnon:\t   60000 kB\nRssFile:\t 21234 kB\n'), 60000)
    assert.equal(rssAnonKb('Name:\tnode\nVmRSS:\t   81234 kB\n'), 0)
  })
})

describe('foldRss', () => {
  test('keeps the largest process and the largest sum, sample by sample', () => {
    const mb = (rss: number, anon: number) => ({ rss: rss * 1024, anon: anon * 1024 })
    let peak = foldRss(NO_RSS, new Map([[1, mb(100, 90)], [2, mb(50, 40)]]))
    peak = foldRss(peak, new Map([[1, mb(80, 70)], [2, mb(120, 30)]]))
    assert.deepEqual(peak, { maxProcessMb: 120, maxProcessAnonMb: 90, maxTotalMb: 200, processes: 2, samples: 2 })
  })
  test('merging peaks of several workloads', () => {
    const a = { maxProcessMb: 10, maxProcessAnonMb: 9, maxTotalMb: 30, processes: 3, samples: 4 }
    const b = { maxProcessMb: 20, maxProcessAnonMb: 5, maxTotalMb: 25, processes: 1, samples: 1 }
    assert.deepEqual(mergeRss([a, b]), { maxProcessMb: 20, maxProcessAnonMb: 9, maxTotalMb: 30, processes: 3, samples: 5 })
  })
})

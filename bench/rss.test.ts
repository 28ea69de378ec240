import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { foldRss, mergeRss, NO_RSS, vmRssKb } from './rss.js'

describe('vmRssKb', () => {
  test('reads VmRSS from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 1 kB\n'
    assert.equal(vmRssKb(status), 81234)
  })
  test('a kernel thread has none', () => {
    assert.equal(vmRssKb('Name:\tkthreadd\nState:\tS\n'), undefined)
  })
})

describe('foldRss', () => {
  test('keeps the largest process and the largest sum, sample by sample', () => {
    let peak = foldRss(NO_RSS, new Map([[1, 100 * 1024], [2, 50 * 1024]]))
    peak = foldRss(peak, new Map([[1, 80 * 1024], [2, 120 * 1024]]))
    assert.deepEqual(peak, { maxProcessMb: 120, maxTotalMb: 200, processes: 2, samples: 2 })
  })
  test('merging peaks of several workloads', () => {
    const a = { maxProcessMb: 10, maxTotalMb: 30, processes: 3, samples: 4 }
    const b = { maxProcessMb: 20, maxTotalMb: 25, processes: 1, samples: 1 }
    assert.deepEqual(mergeRss([a, b]), { maxProcessMb: 20, maxTotalMb: 30, processes: 3, samples: 5 })
  })
})

/**
 * Ids of the resources a request created, read from its answer: the `id` of a created
 * resource (RFC 7644 §3.3), or for POST /Bulk the id at the end of each operation's
 * `location` (RFC 7644 §3.7.3), matched to users by bulkId.
 */

export function idOf(text: string): string | null {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string') {
      return parsed.id
    }
  } catch {
    // Not JSON: the id stays unknown and the workload that needs it reports the gap.
  }
  return null
}

interface BulkOperationAnswer {
  bulkId?: unknown
  location?: unknown
  status?: unknown
  response?: unknown
}

function idFromOperation(op: BulkOperationAnswer): string | null {
  if (typeof op.status === 'string' && !op.status.startsWith('2')) return null
  if (typeof op.response === 'object' && op.response !== null && 'id' in op.response) {
    const id = (op.response as { id?: unknown }).id
    if (typeof id === 'string') return id
  }
  if (typeof op.location !== 'string') return null
  const last = op.location.replace(/\/+$/, '').split('/').at(-1)
  return last === undefined || last === '' ? null : decodeURIComponent(last)
}

/**
 * Ids of users `first`..`first + count - 1` created by one POST /Bulk whose operations carried
 * bulkId `u<n>`; null for an operation that failed or is missing from the answer.
 */
export function bulkIdsOf(text: string, first: number, count: number): (string | null)[] {
  const ids: (string | null)[] = Array.from({ length: count }, () => null)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return ids
  }
  const operations = (parsed as { Operations?: unknown } | null)?.Operations
  if (!Array.isArray(operations)) return ids
  for (const op of operations as BulkOperationAnswer[]) {
    if (typeof op !== 'object' || op === null || typeof op.bulkId !== 'string') continue
    const match = /^u(\d+)$/.exec(op.bulkId)
    if (match === null) continue
    const index = Number(match[1]) - first
    if (index >= 0 && index < count) ids[index] = idFromOperation(op)
  }
  return ids
}

import {
  conflict,
  invalidSyntax,
  invalidValue,
  isScimError,
  payloadTooLarge,
  ScimError,
  serviceUnavailable,
} from '../scim/errors.js'
import { isDatabaseUnavailable } from '../store/database-unavailable.js'
import { SCHEMA_URNS } from '../scim/schema/attribute.js'
import type { CallContext } from './call.js'
import type { ResourceService, Written } from './resources.js'
import { etagOf } from './render.js'

/**
 * RFC 7644 §3.7: Bulk. Operations run one by one, each in its own transaction (the RFC makes
 * bulk non-atomic); `bulkId:` references are resolved from earlier POSTs in the same request,
 * in whatever order the client listed them.
 */

export interface BulkOperationResult {
  method: string
  bulkId?: string
  version?: string
  location?: string
  status: string
  response?: unknown
}

/** An operation as `executeBulk` reports it once settled (`onSettled`). */
export interface SettledOperation {
  readonly index: number
  readonly method: string
  readonly bulkId?: string
  readonly endpoint: 'Users' | 'Groups'
  readonly id?: string
  readonly data?: unknown
}

export interface BulkLimits {
  readonly maxOperations: number
}

interface BulkOperation {
  readonly index: number
  readonly method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly bulkId?: string
  readonly version?: string
  readonly endpoint: 'Users' | 'Groups'
  readonly id?: string
  readonly data?: unknown
  /** bulkIds this operation names in its path or data. */
  readonly needs: ReadonlySet<string>
}

const BULK_REF = /^bulkId:(.+)$/

const databaseUnavailable = () => serviceUnavailable('the database is unavailable; retry later', 5)

function referencedBulkIds(value: unknown, into: Set<string>, depth = 0): Set<string> {
  if (depth > 16) return into
  if (typeof value === 'string') {
    const m = BULK_REF.exec(value)
    if (m?.[1]) into.add(m[1])
  } else if (Array.isArray(value)) {
    for (const v of value) referencedBulkIds(v, into, depth + 1)
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) referencedBulkIds(v, into, depth + 1)
  }
  return into
}

function resolveBulkIds(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    const m = BULK_REF.exec(value)
    return m?.[1] && ids.has(m[1]) ? ids.get(m[1]) : value
  }
  if (Array.isArray(value)) return value.map((v) => resolveBulkIds(v, ids))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveBulkIds(v, ids)]))
  }
  return value
}

/** An operation's id as the client percent-encoded it; bad encoding is the client's fault, not a 500. */
function decodePathSegment(segment: string, at: string, path: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw invalidValue(`${at}: 'path' is not valid percent-encoding (RFC 3986 §2.1), got '${path}'`)
  }
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const at = `Operations[${index}]`
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidSyntax(`${at}: expected an object`)
  const op = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v])) as Record<string, unknown>
  const method = typeof op.method === 'string' ? op.method.toUpperCase() : undefined
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') {
    throw invalidValue(`${at}: 'method' must be POST, PUT, PATCH or DELETE`)
  }
  if (typeof op.path !== 'string') throw invalidValue(`${at}: 'path' is required`)
  const path = /^\/(Users|Groups)(?:\/([^/?#]+))?$/.exec(op.path)
  if (!path) throw invalidValue(`${at}: 'path' must be /Users, /Groups, /Users/{id} or /Groups/{id}, got '${op.path}'`)
  const id = path[2] === undefined ? undefined : decodePathSegment(path[2], at, op.path)
  if (method === 'POST' && id !== undefined) throw invalidValue(`${at}: POST takes a collection path such as /Users`)
  if (method !== 'POST' && id === undefined) throw invalidValue(`${at}: ${method} needs a resource path such as /Users/{id}`)
  if (op.bulkid !== undefined && (typeof op.bulkid !== 'string' || op.bulkid === '')) {
    throw invalidValue(`${at}: 'bulkId' must be a non-empty string`)
  }
  if (method === 'POST' && op.bulkid === undefined) throw invalidValue(`${at}: 'bulkId' is required for POST (RFC 7644 §3.7)`)
  if (method !== 'DELETE' && op.data === undefined) throw invalidValue(`${at}: 'data' is required for ${method}`)
  if (op.version !== undefined && typeof op.version !== 'string') throw invalidValue(`${at}: 'version' must be a string`)
  const needs = referencedBulkIds(op.data, new Set())
  if (id !== undefined) referencedBulkIds(id, needs)
  return {
    index,
    method,
    endpoint: path[1] as 'Users' | 'Groups',
    ...(id !== undefined && { id }),
    ...(typeof op.bulkid === 'string' && { bulkId: op.bulkid }),
    ...(typeof op.version === 'string' && { version: op.version }),
    ...(op.data !== undefined && { data: op.data }),
    needs,
  }
}

export function parseBulkRequest(body: unknown, limits: BulkLimits): { failOnErrors?: number; operations: BulkOperation[] } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidSyntax('the request body must be a BulkRequest object')
  const request = Object.fromEntries(Object.entries(body).map(([k, v]) => [k.toLowerCase(), v])) as Record<string, unknown>
  const schemas = request.schemas
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SCHEMA_URNS.bulkRequest.toLowerCase())) {
    throw invalidValue(`schemas must contain '${SCHEMA_URNS.bulkRequest}'`)
  }
  if (!Array.isArray(request.operations)) throw invalidValue(`'Operations' must be an array`)
  if (request.operations.length > limits.maxOperations) {
    throw payloadTooLarge(`the bulk request has ${request.operations.length} operations; the maximum is ${limits.maxOperations}`)
  }
  const failOnErrors = request.failonerrors
  if (failOnErrors !== undefined && !(Number.isInteger(failOnErrors) && (failOnErrors as number) >= 1)) {
    throw invalidValue(`'failOnErrors' must be a positive integer`)
  }
  const operations = request.operations.map(parseOperation)
  const seen = new Set<string>()
  for (const op of operations) {
    if (op.bulkId === undefined) continue
    if (seen.has(op.bulkId)) throw invalidValue(`Operations[${op.index}]: bulkId '${op.bulkId}' is used twice`)
    seen.add(op.bulkId)
  }
  return { ...(failOnErrors !== undefined && { failOnErrors: failOnErrors as number }), operations }
}

function errorResult(op: BulkOperation, error: ScimError): BulkOperationResult {
  return {
    method: op.method,
    ...(op.bulkId !== undefined && { bulkId: op.bulkId }),
    status: String(error.status),
    response: error.toResponse(),
  }
}

/**
 * Runs the operations. The next operation to run is always the first one whose bulkId
 * references are all settled; operations caught in a reference cycle fail with 409 (RFC 7644
 * §3.7.1 allows this), and so do those that need a bulkId whose POST failed. What the server
 * corrected in an operation's input (Written.tolerances) is added to `tolerances`, prefixed
 * with the operation.
 */
export async function executeBulk(
  request: { failOnErrors?: number; operations: BulkOperation[] },
  services: { Users: ResourceService; Groups: ResourceService },
  baseUrl: string,
  tolerances: string[] = [],
  call?: CallContext,
  /** Told of each operation's result as it is settled (the provisioning log records the failed ones). */
  onSettled?: (op: SettledOperation, result: BulkOperationResult) => void,
): Promise<BulkOperationResult[]> {
  const defined = new Set(request.operations.flatMap((o) => (o.bulkId ? [o.bulkId] : [])))
  const created = new Map<string, string>()
  const failed = new Set<string>()
  const results: (BulkOperationResult | undefined)[] = new Array(request.operations.length)
  const pending = [...request.operations]
  let errors = 0

  const settle = (op: BulkOperation, result: BulkOperationResult) => {
    results[op.index] = result
    onSettled?.(op, result)
    if (Number(result.status) >= 400) {
      errors++
      if (op.bulkId) failed.add(op.bulkId)
    }
  }

  let outage = false
  while (pending.length && (request.failOnErrors === undefined || errors < request.failOnErrors)) {
    if (outage) {
      // The database went away: the rest fail at once instead of each waiting for a connection.
      const op = pending.shift()!
      settle(op, errorResult(op, databaseUnavailable()))
      continue
    }
    const ready = pending.findIndex((op) => [...op.needs].every((b) => created.has(b) || failed.has(b) || !defined.has(b)))
    const op = pending.splice(ready === -1 ? 0 : ready, 1)[0]!
    if (ready === -1) {
      settle(op, errorResult(op, conflict(`Operations[${op.index}]: circular bulkId references cannot be resolved`)))
      continue
    }
    const undefinedRef = [...op.needs].find((b) => !defined.has(b))
    const failedRef = [...op.needs].find((b) => failed.has(b))
    if (undefinedRef || failedRef) {
      const detail = undefinedRef
        ? `Operations[${op.index}]: bulkId '${undefinedRef}' is not defined by any operation of this request`
        : `Operations[${op.index}]: bulkId '${failedRef}' refers to an operation that failed`
      settle(op, errorResult(op, undefinedRef ? invalidValue(detail) : conflict(detail)))
      continue
    }
    const result = await runOne(op, created, services, baseUrl, tolerances, call)
    outage = result.status === '503'
    settle(op, result)
  }
  return results.filter((r): r is BulkOperationResult => r !== undefined)
}

async function runOne(
  op: BulkOperation,
  created: Map<string, string>,
  services: { Users: ResourceService; Groups: ResourceService },
  baseUrl: string,
  tolerances: string[],
  bulkCall: CallContext | undefined,
): Promise<BulkOperationResult> {
  const service = services[op.endpoint]
  const data = resolveBulkIds(op.data, created)
  const id = op.id === undefined ? undefined : (resolveBulkIds(op.id, created) as string)
  const call: CallContext | undefined = bulkCall && {
    ...bulkCall,
    bulk: {
      index: op.index,
      ...(op.bulkId !== undefined && { bulkId: op.bulkId }),
      method: op.method,
      path: `/${op.endpoint}${id === undefined ? '' : `/${id}`}`,
    },
  }
  const base = { method: op.method, ...(op.bulkId !== undefined && { bulkId: op.bulkId }) }
  const note = (written: Written) => {
    for (const t of written.tolerances ?? []) tolerances.push(`Operations[${op.index}]: ${t}`)
  }
  try {
    switch (op.method) {
      case 'POST': {
        const written = await service.create(data, { groups: false, members: false }, call)
        note(written)
        if (op.bulkId) created.set(op.bulkId, written.resource.id)
        return {
          ...base,
          location: `${baseUrl}/${op.endpoint}/${written.resource.id}`,
          version: etagOf(written.resource.version),
          status: '201',
        }
      }
      case 'PUT':
      case 'PATCH': {
        const written =
          op.method === 'PUT'
            ? await service.replace(id!, data, op.version, { groups: false, members: false }, call)
            : await service.patch(id!, data, op.version, { groups: false, members: false }, call)
        note(written)
        return { ...base, location: `${baseUrl}/${op.endpoint}/${id}`, version: etagOf(written.resource.version), status: '200' }
      }
      case 'DELETE':
        await service.delete(id!, op.version, call)
        return { ...base, location: `${baseUrl}/${op.endpoint}/${id}`, status: '204' }
    }
  } catch (e) {
    // Earlier operations may have committed: an outage is this operation's result, not the
    // whole request's (RFC 7644 §3.7.3 reports each operation on its own).
    const error = isDatabaseUnavailable(e) ? databaseUnavailable() : e
    if (!isScimError(error)) throw e
    return { ...errorResult(op, error), ...(id !== undefined && { location: `${baseUrl}/${op.endpoint}/${id}` }) }
  }
}

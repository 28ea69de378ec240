/**
 * The HTTP layer's part of the provisioning log (docs/provisioning-log.md). Writes record
 * themselves in their transactions (provisioning/log/hooks.ts); here are the entries no write
 * transaction can hold: calls that failed (their transaction, if any, rolled back), the failed
 * operations of a Bulk request, and successful reads of tenants that log reads.
 *
 * Each is written in a small transaction of its own before the response goes out (`onSend`),
 * so a client that reads the log after its answer finds the entry there. Writing it never
 * changes the answer: a failure to write is logged, not thrown. When the database itself is
 * unavailable (503) the entry is attempted without holding the response.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { performance } from 'node:perf_hooks'
import type { BulkOperationResult, SettledOperation } from '../provisioning/bulk.js'
import { detectClient } from '../provisioning/log/detect-client.js'
import { elapsedSince } from '../provisioning/log/entry.js'
import type { TenantStore } from '../store/contract.js'
import type { NewLogEntry } from '../store/records/provisioning-log.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** `performance.now()` when the request arrived: log entries' durations run from it. */
    receivedAt: number
  }
}

/** Error bodies are small; a larger payload is not one, and is not parsed. */
const MAX_ERROR_BODY = 65_536

const bulkSettled = new WeakMap<FastifyRequest, { op: SettledOperation; result: BulkOperationResult }[]>()

/** For `executeBulk`: keeps the failed operations of this Bulk request, for their entries. */
export function bulkOutcomes(request: FastifyRequest): (op: SettledOperation, result: BulkOperationResult) => void {
  const failed: { op: SettledOperation; result: BulkOperationResult }[] = []
  bulkSettled.set(request, failed)
  return (op, result) => {
    if (Number(result.status) >= 400) failed.push({ op, result })
  }
}

export function recordProvisioningLog(app: FastifyInstance): void {
  app.decorateRequest('receivedAt', 0)
  // Callback style: no promise per request for what is a clock reading.
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAt = performance.now()
    done()
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    const scim = request.scim
    if (scim === null) return done(null, payload)
    let entries: NewLogEntry[]
    try {
      entries = entriesOf(request, reply, payload)
    } catch (e) {
      request.log.error({ err: e }, 'provisioning log: the entry could not be made')
      return done(null, payload)
    }
    if (entries.length === 0) return done(null, payload)
    const written = append(scim.store, entries, request)
    if (reply.statusCode === 503) return done(null, payload)
    void written.then(() => done(null, payload))
  })
}

async function append(store: TenantStore, entries: NewLogEntry[], request: FastifyRequest): Promise<void> {
  try {
    await store.transaction((tx) => tx.provisioningLog.appendMany(entries))
  } catch (e) {
    request.log.error({ err: e }, `provisioning log: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} could not be written`)
  }
}

const isRead = (request: FastifyRequest): boolean =>
  request.method === 'GET' || request.method === 'HEAD' || (request.method === 'POST' && /\/\.search$/i.test(request.url.split('?', 1)[0]!))

function entriesOf(request: FastifyRequest, reply: FastifyReply, payload: unknown): NewLogEntry[] {
  const status = reply.statusCode
  const failedOperations = bulkSettled.get(request)
  if (failedOperations !== undefined && status < 400) return failedOperations.map(({ op, result }) => bulkEntry(request, op, result))
  if (status >= 400) return [callEntry(request, status, errorOf(payload))]
  // The setting itself, not settingsOf(): reads are the hot path, and the default is off.
  if (request.scim!.tenant.settings.logReads === true && isRead(request)) return [callEntry(request, status, undefined)]
  return []
}

interface ErrorFields {
  readonly scimType: string | null
  readonly detail: string | null
}

function errorOf(payload: unknown): ErrorFields {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined
  if (text === undefined || text.length > MAX_ERROR_BODY) return { scimType: null, detail: null }
  try {
    return errorFields(JSON.parse(text))
  } catch {
    return { scimType: null, detail: null }
  }
}

function errorFields(body: unknown): ErrorFields {
  const error = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  return {
    scimType: typeof error.scimType === 'string' ? error.scimType : null,
    detail: typeof error.detail === 'string' ? error.detail : null,
  }
}

const RESOURCE_PATH = /\/(Users|Groups)(?:\/([^/]+))?\/?$/i

/** What the URL names: `/Users/{id}` → User and the id; `/Groups` → Group. */
function resourceOf(path: string): { type: 'User' | 'Group' | null; id: string | null } {
  const m = RESOURCE_PATH.exec(path)
  if (!m) return { type: null, id: null }
  const type = m[1]!.toLowerCase() === 'users' ? 'User' : 'Group'
  const id = m[2] === undefined || m[2].startsWith('.') ? null : safeDecode(m[2])
  return { type, id }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const userNameIn = (body: unknown): string | null => {
  const userName = body && typeof body === 'object' ? (body as Record<string, unknown>).userName : undefined
  return typeof userName === 'string' ? userName : null
}

function common(request: FastifyRequest): Omit<NewLogEntry, 'method' | 'path' | 'status' | 'scimType' | 'detail' | 'resourceType' | 'resourceId' | 'userName' | 'bulkIndex' | 'bulkId' | 'changes'> {
  const token = request.scimToken
  const agent = request.headers['user-agent']
  const userAgent = typeof agent === 'string' ? agent : null
  return {
    at: new Date().toISOString(),
    requestId: request.id,
    tokenId: token?.id ?? null,
    tokenName: token?.name ?? null,
    client: detectClient({ userAgent, url: request.url, method: request.method, body: request.body }),
    userAgent,
    tolerances: request.tolerances,
    durationMs: elapsedSince(request.receivedAt),
  }
}

/** A call that failed, or a read: the URL with its query (a read's filter is what it asked). */
function callEntry(request: FastifyRequest, status: number, error: ErrorFields | undefined): NewLogEntry {
  const path = request.url.split('?', 1)[0]!
  const resource = resourceOf(path)
  return {
    ...common(request),
    method: request.method,
    path: request.url,
    status,
    scimType: error?.scimType ?? null,
    detail: error?.detail ?? null,
    resourceType: resource.type,
    resourceId: resource.id,
    userName: resource.type === 'User' && request.method !== 'GET' ? userNameIn(request.body) : null,
    bulkIndex: null,
    bulkId: null,
    changes: null,
  }
}

function bulkEntry(request: FastifyRequest, op: SettledOperation, result: BulkOperationResult): NewLogEntry {
  const error = errorFields(result.response)
  return {
    ...common(request),
    method: op.method,
    path: `/${op.endpoint}${op.id === undefined ? '' : `/${op.id}`}`,
    status: Number(result.status),
    scimType: error.scimType,
    detail: error.detail,
    resourceType: op.endpoint === 'Users' ? 'User' : 'Group',
    resourceId: op.id ?? null,
    userName: op.endpoint === 'Users' ? userNameIn(op.data) : null,
    bulkIndex: op.index,
    bulkId: op.bulkId ?? null,
    changes: null,
    // The request's notes are every operation's, prefixed; a failed operation's write noted none that stuck.
    tolerances: null,
  }
}

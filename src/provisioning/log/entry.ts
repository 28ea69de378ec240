/** Provisioning log entries as the writes and the HTTP layer make them. */
import { performance } from 'node:perf_hooks'
import type { StoredResource } from '../../store/contract.js'
import type { LogChange, NewLogEntry } from '../../store/records/provisioning-log.js'
import type { CallContext } from '../call.js'
import { detectClient } from './detect-client.js'

/** Milliseconds since `receivedAt` (a `performance.now()` reading); 0 when unknown. */
export const elapsedSince = (receivedAt: number | undefined): number =>
  receivedAt === undefined ? 0 : Math.max(0, performance.now() - receivedAt)

export const userNameOf = (resource: Pick<StoredResource, 'resourceType' | 'document'>): string | null => {
  const userName = resource.resourceType === 'User' ? resource.document.userName : undefined
  return typeof userName === 'string' ? userName : null
}

/**
 * The entry of a write that succeeded, written in its transaction: its duration is the time
 * from the request's arrival to this moment (the commit and the response are not in it).
 */
export function writeEntry(
  call: CallContext,
  status: 200 | 201 | 204,
  resource: Pick<StoredResource, 'resourceType' | 'id' | 'document'>,
  changes: readonly LogChange[],
): NewLogEntry {
  const bulk = call.bulk
  return {
    at: new Date().toISOString(),
    requestId: call.requestId,
    bulkIndex: bulk?.index ?? null,
    bulkId: bulk?.bulkId ?? null,
    tokenId: call.tokenId,
    tokenName: call.tokenName,
    client: call.client ?? detectClient({ userAgent: call.userAgent, url: call.path, method: call.method, body: undefined }),
    userAgent: call.userAgent,
    method: bulk?.method ?? call.method,
    path: bulk?.path ?? call.path,
    status,
    scimType: null,
    detail: null,
    resourceType: resource.resourceType,
    resourceId: resource.id,
    userName: userNameOf(resource),
    tolerances: call.tolerances?.length ? call.tolerances : null,
    changes,
    durationMs: elapsedSince(call.receivedAt),
  }
}

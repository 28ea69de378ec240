import type { LogClient } from '../store/records/provisioning-log.js'

/**
 * Who made a SCIM write and how: what the write records about itself (the provisioning log,
 * the events it causes) beside the change. Built by the HTTP layer, carried by ResourceService
 * into the write's transaction and its hooks.
 */
export interface CallContext {
  /** The request id (the `x-request-id` header when the client sent one): one id follows a call everywhere. */
  readonly requestId: string
  readonly method: string
  /** The request path, without the query string. */
  readonly path: string
  /** The SCIM token that authenticated the call (never its secret). */
  readonly tokenId: string | null
  readonly tokenName: string | null
  readonly userAgent: string | null
  /** Who sent it, from its User-Agent and its shape (log/detect-client.ts). */
  readonly client?: LogClient
  /** `performance.now()` when the request arrived: the provisioning log's duration runs from it. */
  readonly receivedAt?: number
  /**
   * What of this write's input the server corrected rather than refused (Written.tolerances),
   * set by ResourceService on the call it hands the hooks, so the log entry written in the
   * transaction carries them.
   */
  readonly tolerances?: readonly string[]
  /** Inside a Bulk request: which operation this write is. */
  readonly bulk?: {
    readonly index: number
    readonly bulkId?: string
    readonly method: string
    readonly path: string
  }
}

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
  /** Inside a Bulk request: which operation this write is. */
  readonly bulk?: {
    readonly index: number
    readonly bulkId?: string
    readonly method: string
    readonly path: string
  }
}

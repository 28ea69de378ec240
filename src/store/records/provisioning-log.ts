/**
 * The provisioning log (docs/provisioning-log.md): one entry per SCIM call that wrote, per call
 * that failed, and per successful read where the tenant asks for reads. A Bulk request has one
 * entry per operation, each carrying the Bulk request's id and the operation's index.
 */

/** Who sent a call, as far as its User-Agent and its shape tell (provisioning/log/detect-client.ts). */
export type LogClient = 'entra' | 'okta' | 'onelogin' | 'pingfederate' | 'jumpcloud' | 'google' | 'other'

export const LOG_CLIENTS: readonly LogClient[] = ['entra', 'okta', 'onelogin', 'pingfederate', 'jumpcloud', 'google', 'other']

/**
 * One attribute a write changed: `before`/`after` absent when the attribute was absent. A
 * group's members are one change listing the member ids `added` and `removed` (each list cut
 * at a limit, with `addedCount`/`removedCount` saying how many there were).
 */
export interface LogChange {
  readonly attribute: string
  readonly before?: unknown
  readonly after?: unknown
  readonly added?: readonly string[]
  readonly removed?: readonly string[]
  readonly addedCount?: number
  readonly removedCount?: number
  /** Every member was removed first (a `remove` of `members` without a filter). */
  readonly cleared?: boolean
}

export interface NewLogEntry {
  /** ISO 8601, UTC: when the entry was written. */
  readonly at: string
  readonly requestId: string
  /** Inside a Bulk request: the operation's index in `Operations`, and its bulkId. */
  readonly bulkIndex: number | null
  readonly bulkId: string | null
  readonly tokenId: string | null
  readonly tokenName: string | null
  readonly client: LogClient
  readonly userAgent: string | null
  /** For a Bulk operation: its own method and path (`/Users/{id}`). */
  readonly method: string
  readonly path: string
  readonly status: number
  readonly scimType: string | null
  readonly detail: string | null
  readonly resourceType: 'User' | 'Group' | null
  readonly resourceId: string | null
  /** For users: the userName the entry is about (after the write; before it, for a delete). */
  readonly userName: string | null
  readonly tolerances: readonly string[] | null
  readonly changes: readonly LogChange[] | null
  /** Milliseconds from the request's arrival to the moment the entry was written. */
  readonly durationMs: number
}

export interface LogEntry extends NewLogEntry {
  /** Increasing in insertion order: the position newest-first pages continue from. */
  readonly seq: number
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx'

export interface LogQuery {
  /** Entries at or after this instant (ISO 8601). */
  readonly from?: string
  /** Entries before this instant. */
  readonly to?: string
  readonly status?: StatusClass
  readonly resourceType?: 'User' | 'Group'
  readonly resourceId?: string
  /** A SCIM user id, or a userName (compared case-insensitively). */
  readonly user?: string
  readonly client?: LogClient
  readonly requestId?: string
  /** The request's method (a Bulk operation's own). */
  readonly method?: string
  /** Entries older than this seq (the position of the previous page's last entry). */
  readonly before?: number
  /** Entries newer than this seq, oldest first instead (for following the log as it grows). */
  readonly after?: number
  /** Entries at most this seq: bounds a read that follows the log to what it looked at. */
  readonly upTo?: number
  readonly limit: number
}

/**
 * RFC 7644 §3.12: the one error type of the protocol core.
 *
 * A `ScimError` carries what the client may read (`status`, `scimType`, `detail`). Causes that
 * are not for the client stay out of it. Constructors pair each `scimType` with the status the
 * RFC gives it (Table 9), so an invalid pairing cannot be built.
 */

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

/** RFC 7644 Table 9, plus `invalidCursor`/`expiredCursor` from RFC 9865. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'

export interface ScimErrorResponse {
  schemas: [typeof ERROR_SCHEMA]
  status: string
  scimType?: ScimType
  detail: string
}

export class ScimError extends Error {
  readonly status: number
  readonly scimType: ScimType | undefined
  readonly detail: string
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>

  constructor(
    status: number,
    scimType: ScimType | undefined,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(detail)
    this.name = 'ScimError'
    this.status = status
    this.scimType = scimType
    this.detail = detail
    this.headers = headers
  }

  toResponse(): ScimErrorResponse {
    const body: ScimErrorResponse = { schemas: [ERROR_SCHEMA], status: String(this.status), detail: this.detail }
    if (this.scimType) body.scimType = this.scimType
    return body
  }
}

export const isScimError = (e: unknown): e is ScimError => e instanceof ScimError

// 400 family — RFC 7644 Table 9.
export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail)
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail)
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail)
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail)
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail)
export const sensitive = (detail: string) => new ScimError(400, 'sensitive', detail)
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail)
export const invalidCursor = (detail: string) => new ScimError(400, 'invalidCursor', detail)
export const expiredCursor = (detail: string) => new ScimError(400, 'expiredCursor', detail)
/** RFC 7644 §3.3: a conflicting unique attribute is 409 with scimType `uniqueness`. */
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail)

// Errors without a scimType.
export const badRequest = (detail: string) => new ScimError(400, undefined, detail)
export const unauthorized = (detail: string) =>
  new ScimError(401, undefined, detail, { 'WWW-Authenticate': 'Bearer realm="roster"' })
export const forbidden = (detail: string) => new ScimError(403, undefined, detail)
export const notFound = (detail: string) => new ScimError(404, undefined, detail)
export const methodNotAllowed = (detail: string, allow: string) =>
  new ScimError(405, undefined, detail, { Allow: allow })
export const conflict = (detail: string) => new ScimError(409, undefined, detail)
export const preconditionFailed = (detail: string) => new ScimError(412, undefined, detail)
export const payloadTooLarge = (detail: string) => new ScimError(413, undefined, detail)
export const unsupportedMediaType = (detail: string) => new ScimError(415, undefined, detail)
export const serviceUnavailable = (detail: string, retryAfterSeconds: number) =>
  new ScimError(503, undefined, detail, { 'Retry-After': String(retryAfterSeconds) })

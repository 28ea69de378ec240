/** A browser session of the admin UI, opened with an admin token and acting as it. */
export interface AdminSessionRecord {
  readonly id: string
  /** Hex SHA-256 of the session secret (the cookie value); the secret itself is never stored. */
  readonly hash: string
  /** The admin token the session was opened with: its scope is the session's, its revocation ends it. */
  readonly adminTokenId: string
  readonly createdAt: string
  /** Slides forward with use; the session ends when it is older than the idle limit. */
  readonly lastSeenAt: string
  /** The absolute end, however busy the session is. */
  readonly expiresAt: string
}

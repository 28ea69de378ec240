/** A token of the admin API: for the whole instance (`tenantId` null) or one tenant. */
export interface AdminTokenRecord {
  readonly id: string
  readonly tenantId: string | null
  readonly name: string
  /** Hex SHA-256 of the token; the token itself is never stored. */
  readonly hash: string
  readonly hint: string
  readonly createdAt: string
  readonly expiresAt: string | null
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

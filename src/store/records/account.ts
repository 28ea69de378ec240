/** Accounts, their history and credentials, as the store keeps them (sql/account-queries.ts). */

export type AccountState = 'active' | 'suspended' | 'deleted'

export interface AccountRecord {
  readonly id: string
  readonly tenantId: string
  /** Null once the account is deleted: a tombstone frees its login. */
  readonly login: string | null
  readonly displayName: string
  /** The primary email first. */
  readonly emails: readonly string[]
  readonly roles: readonly string[]
  readonly state: AccountState
  /** Managed by the tenant's IdP through SCIM: the admin API may not change what SCIM owns. */
  readonly scimManaged: boolean
  /** The SCIM user linked to this account. */
  readonly scimUserId: string | null
  /** Exempt from the suspension that enabling SCIM brings (the person who set it up). */
  readonly setupOwner: boolean
  readonly createdAt: string
  readonly updatedAt: string
  readonly suspendedAt: string | null
  /**
   * Sessions and tokens made up to this time are revoked (suspension sets it rather than
   * writing every credential row). Absent on a record not read from the store.
   */
  readonly credentialsRevokedBefore?: string | null
}

/** What may change on an account; absent fields keep their value. */
export type AccountChange = Partial<
  Pick<AccountRecord, 'login' | 'displayName' | 'emails' | 'roles' | 'state' | 'scimManaged' | 'scimUserId' | 'setupOwner' | 'suspendedAt'>
>

export interface AccountHistoryEntry {
  readonly at: string
  readonly action: string
  readonly detail: Readonly<Record<string, unknown>>
}

export interface AccountListQuery {
  /** Matches the start of the login, the display name or the primary email, case-insensitively. */
  readonly search?: string
  readonly state?: AccountState
  readonly scimManaged?: boolean
  /** The position an earlier page ended at. */
  readonly after?: number
  readonly limit: number
}

export interface Page<T> {
  readonly items: T[]
  /** Where the next page starts; absent on the last page. */
  readonly next?: number
}

export type CredentialKind = 'session' | 'token'

export interface CredentialRecord {
  readonly id: string
  readonly tenantId: string
  readonly accountId: string
  readonly kind: CredentialKind
  readonly name: string
  /** Hex SHA-256 of the secret. */
  readonly hash: string
  readonly hint: string
  readonly createdAt: string
  readonly expiresAt: string | null
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

/** A SCIM user and what it is linked to. */
export interface IdentityRecord {
  readonly scimUserId: string
  readonly userName: string
  readonly externalId: string | null
  readonly active: boolean
  readonly accountId: string | null
  readonly login: string | null
  readonly accountState: AccountState | null
}

export interface IdentityListQuery {
  readonly state?: 'linked' | 'unlinked'
  /** Matches the start of the userName, case-insensitively. */
  readonly search?: string
  readonly after?: number
  readonly limit: number
}

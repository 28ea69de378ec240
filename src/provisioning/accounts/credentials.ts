/**
 * Sessions and personal access tokens of accounts: records an application creates, verifies,
 * lists and revokes (admin API), so deprovisioning has something real to revoke. Secrets are
 * shown once and kept only as SHA-256 hashes, like SCIM tokens.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { conflict, invalidValue, notFound, unauthorized } from '../../scim/errors.js'
import type { TenantStore, TenantTransaction } from '../../store/contract.js'
import type { AccountRecord, CredentialKind, CredentialRecord } from '../../store/records/account.js'
import { credentialEvent, credentialsRevoked } from '../events/account-events.js'
import { hashToken, sameDigest } from '../token-secret.js'

const DAY_MS = 86_400_000
export const MAX_CREDENTIAL_DAYS = 3650
const PREFIX: Readonly<Record<CredentialKind, string>> = { session: 'roster_ses_', token: 'roster_pat_' }
const SHAPE = /^roster_(ses|pat)_[A-Za-z0-9_-]{43}$/

export interface IssuedCredential {
  readonly credential: CredentialRecord
  /** Shown once, never stored. */
  readonly secret: string
}

export interface VerifiedCredential {
  readonly credential: CredentialRecord
  readonly account: AccountRecord
}

const invalidCredential = () => unauthorized('the session or token is not valid: unknown, expired, revoked, or its account is not active')

export async function issueCredential(
  store: TenantStore,
  accountId: string,
  kind: CredentialKind,
  options: { name?: string; expiresInDays?: number } = {},
): Promise<IssuedCredential> {
  const days = options.expiresInDays
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_CREDENTIAL_DAYS)) {
    throw invalidValue(`expiresInDays: a whole number of days from 1 to ${MAX_CREDENTIAL_DAYS}, not ${days}`)
  }
  const secret = PREFIX[kind] + randomBytes(32).toString('base64url')
  const credential = await store.transaction(async (tx) => {
    const account = await tx.accounts.get(accountId, true)
    if (!account) throw notFound(`there is no account '${accountId}'`)
    if (account.state !== 'active') throw conflict(`account '${accountId}' is ${account.state}: it cannot get a new ${kind}`)
    // Stamped under the account's row lock, so a suspension (which revokes every credential
    // made up to its own time, taken under that lock) cannot miss this one; and after the
    // account's last revocation, even within its millisecond, so it is live.
    const revokedBefore = account.credentialsRevokedBefore ? Date.parse(account.credentialsRevokedBefore) : 0
    const now = new Date(Math.max(Date.now(), revokedBefore + 1))
    const made: CredentialRecord = {
      id: randomUUID(),
      tenantId: store.tenant.id,
      accountId,
      kind,
      name: options.name ?? kind,
      hash: hashToken(secret),
      hint: `${secret.slice(0, PREFIX[kind].length + 4)}…`,
      createdAt: now.toISOString(),
      expiresAt: days === undefined ? null : new Date(now.getTime() + days * DAY_MS).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    }
    await tx.accounts.insertCredential(made)
    await credentialEvent(tx, kind, made.id, 'created', { accountId, name: made.name, expiresAt: made.expiresAt })
    return made
  })
  return { credential, secret }
}

/**
 * The credential and its account, or 401 (the same answer for every failure). `kind`: only a
 * session, or only a token, will do.
 */
export async function verifyCredential(store: TenantStore, secret: string, now = new Date(), kind?: CredentialKind): Promise<VerifiedCredential> {
  if (!SHAPE.test(secret) || (kind !== undefined && !secret.startsWith(PREFIX[kind]))) throw invalidCredential()
  const hash = hashToken(secret)
  return store.transaction(async (tx) => {
    const credential = await tx.accounts.credentialByHash(hash)
    if (!credential || !sameDigest(credential.hash, hash) || credential.revokedAt !== null) throw invalidCredential()
    if (credential.expiresAt !== null && Date.parse(credential.expiresAt) <= now.getTime()) throw invalidCredential()
    const account = await tx.accounts.get(credential.accountId)
    if (!account || account.state !== 'active') throw invalidCredential()
    await tx.accounts.touchCredential(credential.id, now.toISOString())
    return { credential: { ...credential, lastUsedAt: now.toISOString() }, account }
  })
}

export async function listCredentials(store: TenantStore, accountId: string, kind?: CredentialKind): Promise<CredentialRecord[]> {
  return store.transaction(async (tx) => {
    if (!(await tx.accounts.get(accountId))) throw notFound(`there is no account '${accountId}'`)
    return tx.accounts.credentials(accountId, kind)
  })
}

export async function revokeCredential(store: TenantStore, accountId: string, id: string, kind?: CredentialKind): Promise<void> {
  await store.transaction(async (tx) => {
    const credential = await tx.accounts.credential(id)
    if (!credential || credential.accountId !== accountId || (kind !== undefined && credential.kind !== kind)) {
      throw notFound(`account '${accountId}' has no ${kind ?? 'session or token'} '${id}'`)
    }
    if (!(await tx.accounts.revokeCredential(id, new Date().toISOString()))) throw conflict(`'${id}' was revoked already`)
    await credentialEvent(tx, credential.kind, id, 'revoked', { accountId, name: credential.name })
  })
}

/**
 * Revokes every session and token of the account made up to `at` (suspension, removal), in the
 * caller's transaction, which holds the account's row lock; returns how many were live. One
 * `credentials.revoked` event for the account when any was, however many: the account's one
 * write revokes them all, and an event per session would cost what that write saves.
 */
export async function revokeAllCredentials(tx: TenantTransaction, accountId: string, at: string, reason: 'suspended' | 'removed'): Promise<number> {
  const revoked = await tx.accounts.revokeCredentials(accountId, at)
  if (revoked > 0) await credentialsRevoked(tx, accountId, { count: revoked, createdUpTo: at, reason })
  return revoked
}

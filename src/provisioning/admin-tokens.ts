/**
 * Tokens of the admin API (`/admin/v1`): for the whole instance, or scoped to one tenant. They
 * look like `roster_admin_` + 43 base64url characters, so secret scanners can tell them from
 * SCIM tokens; only their SHA-256 is stored, and they are checked in constant time.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { invalidValue, notFound, unauthorized } from '../scim/errors.js'
import type { Store, Tenant } from '../store/contract.js'
import type { AdminTokenRecord } from '../store/records/admin-token.js'
import { hashToken, sameDigest } from './token-secret.js'

export const ADMIN_TOKEN_PREFIX = 'roster_admin_'
const SHAPE = /^roster_admin_[A-Za-z0-9_-]{43}$/
const DAY_MS = 86_400_000
export const MAX_ADMIN_TOKEN_DAYS = 3650
const TOUCH_INTERVAL_MS = 60_000
const CACHE_MS = 2_000

export interface IssuedAdminToken {
  readonly record: AdminTokenRecord
  /** Shown once, never stored. */
  readonly token: string
}

/** `tenant` undefined: a token for every tenant and the instance's own settings. */
export async function issueAdminToken(
  store: Store,
  options: { tenant?: Tenant; name?: string; expiresInDays?: number; now?: Date } = {},
): Promise<IssuedAdminToken> {
  const now = options.now ?? new Date()
  const days = options.expiresInDays
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_ADMIN_TOKEN_DAYS)) {
    throw invalidValue(`a token lives a whole number of days from 1 to ${MAX_ADMIN_TOKEN_DAYS}, not ${days}`)
  }
  const token = ADMIN_TOKEN_PREFIX + randomBytes(32).toString('base64url')
  const record: AdminTokenRecord = {
    id: randomUUID(),
    tenantId: options.tenant?.id ?? null,
    name: options.name ?? 'admin',
    hash: hashToken(token),
    hint: `${token.slice(0, ADMIN_TOKEN_PREFIX.length + 4)}…`,
    createdAt: now.toISOString(),
    expiresAt: days === undefined ? null : new Date(now.getTime() + days * DAY_MS).toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  }
  await store.adminTokens.insert(record)
  return { record, token }
}

export async function revokeAdminToken(store: Store, id: string, now = new Date()): Promise<void> {
  if (!(await store.adminTokens.revoke(id, now.toISOString()))) throw notFound(`there is no active admin token '${id}'`)
  // Sessions check their token on every request anyway; deleting them keeps nothing dead around.
  await store.adminSessions.deleteForToken(id)
}

const invalid = () => unauthorized('the admin token is not valid, has expired or was revoked')

/** Checks admin bearer tokens; records are cached briefly, like SCIM tokens (tokens.ts). */
export class AdminTokenAuthenticator {
  readonly #store: Store
  readonly #recent = new Map<string, { record: AdminTokenRecord; at: number }>()
  readonly #touched = new Map<string, number>()

  constructor(store: Store) {
    this.#store = store
  }

  async authenticate(authorization: string | undefined, now = Date.now()): Promise<AdminTokenRecord> {
    const match = authorization === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
    if (!match) throw unauthorized('an admin token is required: send the header Authorization: Bearer <token>')
    const token = match[1] ?? ''
    if (!SHAPE.test(token)) throw invalid()
    const hash = hashToken(token)
    let cached = this.#recent.get(hash)
    if (!cached || now - cached.at >= CACHE_MS) {
      const record = await this.#store.adminTokens.byHash(hash)
      if (!record || !sameDigest(record.hash, hash)) {
        this.#recent.delete(hash)
        throw invalid()
      }
      if (this.#recent.size > 1_000) this.#recent.clear()
      cached = { record, at: now }
      this.#recent.set(hash, cached)
    }
    const { record } = cached
    if (record.revokedAt !== null || (record.expiresAt !== null && Date.parse(record.expiresAt) <= now)) throw invalid()
    const last = this.#touched.get(record.id) ?? 0
    if (now - last >= TOUCH_INTERVAL_MS) {
      this.#touched.set(record.id, now)
      this.#store.adminTokens.touch(record.id, new Date(now).toISOString()).catch(() => this.#touched.delete(record.id))
    }
    return record
  }
}

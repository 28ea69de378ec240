import { randomUUID } from 'node:crypto'
import { invalidValue, notFound, unauthorized } from '../scim/errors.js'
import type { Store, Tenant, TokenRecord } from '../store/contract.js'
import { generateToken, hashToken, looksLikeToken, sameDigest, tokenHint } from './token-secret.js'

export interface IssuedToken {
  readonly record: TokenRecord
  /** The secret, shown once and never stored. */
  readonly token: string
}

const DAY_MS = 86_400_000
/** The longest lifetime a token can be given, in days; a longer-lived one is asked for as one that never expires. */
export const MAX_TOKEN_DAYS = 3650
/** The lifetime `roster token create` gives unless told otherwise. */
export const DEFAULT_TOKEN_DAYS = 365
/** How often the last-used time of one token is written: once a minute keeps reads read-only. */
const TOUCH_INTERVAL_MS = 60_000
const TOKEN_CACHE_MS = 2_000
const TOKEN_CACHE_ENTRIES = 10_000

interface Cached {
  readonly record: TokenRecord
  /** When it was read from the store. */
  readonly at: number
  /** `record.expiresAt` in ms since the epoch, parsed once. */
  readonly expiresAt: number
}

/** Every failure gives the same answer, so a caller learns nothing about which tokens exist. */
const invalidToken = () => unauthorized('the bearer token is not valid for this tenant, has expired or was revoked')

/** `expiresInDays` absent: the token never expires (the CLI asks for that explicitly, with --no-expiry). */
export async function issueToken(
  store: Store,
  tenant: Tenant,
  options: { name?: string; expiresInDays?: number; now?: Date } = {},
): Promise<IssuedToken> {
  const now = options.now ?? new Date()
  const days = options.expiresInDays
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_TOKEN_DAYS)) {
    throw invalidValue(`a token lives a whole number of days from 1 to ${MAX_TOKEN_DAYS}, not ${days}`)
  }
  const token = generateToken()
  const record: TokenRecord = {
    id: randomUUID(),
    tenantId: tenant.id,
    name: options.name ?? 'scim',
    hash: hashToken(token),
    hint: tokenHint(token),
    createdAt: now.toISOString(),
    expiresAt: days === undefined ? null : new Date(now.getTime() + days * DAY_MS).toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  }
  await store.insertToken(record)
  return { record, token }
}

export async function revokeToken(store: Store, id: string, now = new Date()): Promise<void> {
  if (!(await store.revokeToken(id, now.toISOString()))) throw notFound(`there is no active token '${id}'`)
}

/**
 * Checks a bearer token for a tenant. Every failure gives the same answer, so a caller learns
 * nothing about which tenants or tokens exist.
 */
export class TokenAuthenticator {
  readonly #store: Store
  readonly #touched = new Map<string, number>()
  readonly #recent = new Map<string, Cached>()
  readonly #cacheMs: number

  /**
   * `cacheMs`: how long a token record read from the store is trusted. Every request would
   * otherwise pay a query; the price is that a revocation made by another process (the CLI)
   * takes up to this long to reach this one. Expiry is checked on every request regardless.
   */
  constructor(store: Store, options: { cacheMs?: number } = {}) {
    this.#store = store
    this.#cacheMs = options.cacheMs ?? TOKEN_CACHE_MS
  }

  /**
   * The token's record, or 401. Synchronous while the record is cached (nearly every request:
   * this runs before each one, and a promise per request was a measurable part of a lookup).
   */
  authenticate(authorization: string | undefined, tenant: Tenant | undefined, now = Date.now()): TokenRecord | Promise<TokenRecord> {
    const match = authorization === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
    if (!match) throw unauthorized('a bearer token is required: send the header Authorization: Bearer <token>')
    const token = match[1] ?? ''
    if (!looksLikeToken(token) || !tenant) throw invalidToken()
    const hash = hashToken(token)
    // A cached record was stored under its own hash after the constant-time check below, so
    // finding it by `hash` is that check's outcome. (Comparing SHA-256 digests of the presented
    // token in variable time, as the Map and the database index do, tells an attacker nothing
    // about the token.)
    const cached = this.#recent.get(hash)
    if (cached !== undefined && now - cached.at < this.#cacheMs) return this.#accept(cached, tenant, now)
    return this.#store.findTokenByHash(hash).then((record) => {
      if (this.#recent.size >= TOKEN_CACHE_ENTRIES) this.#recent.clear()
      if (!record || !sameDigest(record.hash, hash)) {
        this.#recent.delete(hash)
        throw invalidToken()
      }
      const entry: Cached = {
        record,
        at: now,
        expiresAt: record.expiresAt === null ? Infinity : Date.parse(record.expiresAt),
      }
      this.#recent.set(hash, entry)
      return this.#accept(entry, tenant, now)
    })
  }

  #accept({ record, expiresAt }: Cached, tenant: Tenant, now: number): TokenRecord {
    if (record.tenantId !== tenant.id || record.revokedAt !== null || expiresAt <= now) {
      throw invalidToken()
    }
    this.#touch(record, now)
    return record
  }

  #touch(record: TokenRecord, now: number): void {
    const last = this.#touched.get(record.id) ?? (record.lastUsedAt ? Date.parse(record.lastUsedAt) : 0)
    if (now - last < TOUCH_INTERVAL_MS) return
    this.#touched.set(record.id, now)
    // Best effort: a failed bookkeeping write must not fail the request it rides on.
    this.#store.markTokenUsed(record.id, new Date(now).toISOString()).catch(() => this.#touched.delete(record.id))
  }
}

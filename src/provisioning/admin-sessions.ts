/**
 * Sessions of the admin UI. A browser signs in with an admin token and gets a session secret
 * in an HttpOnly cookie; from then on the session acts as that token, with its scope, until
 * it has been idle too long, reaches its absolute end, is signed out, or its token is revoked
 * or expires. Only the SHA-256 of the secret is stored, as for tokens.
 *
 * The CSRF token is derived from the secret (an HMAC), not stored: the server recomputes it
 * from the cookie of each request, a page can read it only from the session endpoint (same
 * origin), and a database dump reveals neither.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { unauthorized } from '../scim/errors.js'
import type { Store } from '../store/contract.js'
import type { AdminSessionRecord } from '../store/records/admin-session.js'
import type { AdminTokenRecord } from '../store/records/admin-token.js'
import { AdminTokenAuthenticator } from './admin-tokens.js'
import { hashToken, sameDigest } from './token-secret.js'

export const SESSION_PREFIX = 'roster_session_'
const SHAPE = /^roster_session_[A-Za-z0-9_-]{43}$/
const MINUTE_MS = 60_000

export interface SessionLimits {
  /** Unused this long, a session ends. */
  readonly idleMs: number
  /** However busy, a session ends this long after sign-in. */
  readonly absoluteMs: number
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * MINUTE_MS, absoluteMs: 12 * 60 * MINUTE_MS }

/** Writing last_seen_at on every request would make each read a write; a minute is precise enough for a 30-minute limit. */
const TOUCH_INTERVAL_MS = MINUTE_MS

export interface OpenedSession {
  readonly record: AdminSessionRecord
  readonly token: AdminTokenRecord
  /** The cookie value; given to the browser once, never stored. */
  readonly secret: string
}

export interface ActiveSession {
  readonly record: AdminSessionRecord
  readonly token: AdminTokenRecord
  /** When the session ends if unused from now on. */
  readonly idleExpiresAt: string
}

const ended = () => unauthorized('the session has ended (signed out, idle too long, past its lifetime, or its admin token was revoked); sign in again')

/** The CSRF token of the session whose secret is `secret`. */
export function csrfTokenOf(secret: string): string {
  return createHmac('sha256', secret).update('roster admin csrf').digest('base64url')
}

/** Whether `given` is the CSRF token of the session, compared in constant time. */
export function csrfMatches(secret: string, given: string | undefined): boolean {
  if (given === undefined) return false
  const expected = Buffer.from(csrfTokenOf(secret))
  const actual = Buffer.from(given)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

export const looksLikeSession = (secret: string): boolean => SHAPE.test(secret)

export class AdminSessions {
  readonly #store: Store
  readonly #limits: SessionLimits
  readonly #now: () => number
  readonly #tokens: AdminTokenAuthenticator

  /** `now` is injectable so that tests can move time instead of waiting for it. */
  constructor(store: Store, options: { limits?: SessionLimits; now?: () => number } = {}) {
    this.#store = store
    this.#limits = options.limits ?? DEFAULT_SESSION_LIMITS
    this.#now = options.now ?? Date.now
    this.#tokens = new AdminTokenAuthenticator(store)
  }

  /** Signs in with an admin token (401 if it is not a valid one). */
  async open(adminToken: string): Promise<OpenedSession> {
    const now = this.#now()
    const token = await this.#tokens.authenticate(`Bearer ${adminToken}`, now)
    const at = new Date(now).toISOString()
    // Sign-ins are rare: a good moment to clear sessions nobody will use again.
    await this.#store.adminSessions.prune(at, new Date(now - this.#limits.idleMs).toISOString())
    const secret = SESSION_PREFIX + randomBytes(32).toString('base64url')
    const absoluteEnd = now + this.#limits.absoluteMs
    // A session never outlives its token.
    const tokenEnd = token.expiresAt === null ? absoluteEnd : Math.min(absoluteEnd, Date.parse(token.expiresAt))
    const record: AdminSessionRecord = {
      id: randomUUID(),
      hash: hashToken(secret),
      adminTokenId: token.id,
      createdAt: at,
      lastSeenAt: at,
      expiresAt: new Date(tokenEnd).toISOString(),
    }
    await this.#store.adminSessions.insert(record)
    return { record, token, secret }
  }

  /** The live session a cookie holds, with its token; 401 when there is none. */
  async authenticate(secret: string): Promise<ActiveSession> {
    if (!looksLikeSession(secret)) throw ended()
    const now = this.#now()
    const hash = hashToken(secret)
    const found = await this.#store.adminSessions.byHash(hash)
    if (!found || !sameDigest(found.session.hash, hash)) throw ended()
    const { session, token } = found
    const lastSeen = Date.parse(session.lastSeenAt)
    const over =
      Date.parse(session.expiresAt) <= now ||
      lastSeen + this.#limits.idleMs <= now ||
      token.revokedAt !== null ||
      (token.expiresAt !== null && Date.parse(token.expiresAt) <= now)
    if (over) {
      await this.#store.adminSessions.delete(session.id)
      throw ended()
    }
    let record = session
    if (now - lastSeen >= TOUCH_INTERVAL_MS) {
      record = { ...session, lastSeenAt: new Date(now).toISOString() }
      await this.#store.adminSessions.touch(session.id, record.lastSeenAt)
    }
    return { record, token, idleExpiresAt: this.idleEndOf(record) }
  }

  /** When `session` ends if unused from its last use on. */
  idleEndOf(session: AdminSessionRecord): string {
    return new Date(Math.min(Date.parse(session.lastSeenAt) + this.#limits.idleMs, Date.parse(session.expiresAt))).toISOString()
  }

  /** Signs out. */
  async close(session: AdminSessionRecord): Promise<void> {
    await this.#store.adminSessions.delete(session.id)
  }

  /** Ends the session a cookie holds, if any (a new sign-in replaces it rather than leaving it behind). */
  async closeBySecret(secret: string): Promise<void> {
    if (!looksLikeSession(secret)) return
    const found = await this.#store.adminSessions.byHash(hashToken(secret))
    if (found) await this.#store.adminSessions.delete(found.session.id)
  }
}

import * as crypto from 'node:crypto'

/**
 * Bearer tokens look like `roster_` + 43 base64url characters (256 random bits), so secret
 * scanners can recognise a leaked one by its prefix. Only the SHA-256 of the whole token is
 * stored; a fast hash is right for 256-bit random secrets (no dictionary to guess from).
 */
export const TOKEN_PREFIX = 'roster_'
const TOKEN_SHAPE = /^roster_[A-Za-z0-9_-]{43}$/

export const generateToken = (): string => TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url')

/** Node's one-shot hash (20.12+): cheaper than a Hash object, and it runs on every request. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

export const hashToken = (token: string): string =>
  oneShot ? oneShot('sha256', token, 'hex') : crypto.createHash('sha256').update(token).digest('hex')

export const looksLikeToken = (token: string): boolean => TOKEN_SHAPE.test(token)

/** What listings may show of a token: enough to tell tokens apart, useless to an attacker. */
export const tokenHint = (token: string): string => `${token.slice(0, TOKEN_PREFIX.length + 4)}…`

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

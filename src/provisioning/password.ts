import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>

/**
 * RFC 7643 §4.1.1: `password` is writeOnly and never returned, and a service provider may keep
 * it hashed. Roster keeps only an scrypt hash, in the document, in this self-describing form.
 */
const PREFIX = '$scrypt$'
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

export const isPasswordHash = (value: unknown): boolean => typeof value === 'string' && value.startsWith(PREFIX)

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password.normalize('NFC'), salt, 32, PARAMS)
  return `${PREFIX}${salt.toString('base64url')}$${key.toString('base64url')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [, , salt, key] = stored.split('$')
  if (!salt || !key) return false
  const expected = Buffer.from(key, 'base64url')
  const actual = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, PARAMS)
  return timingSafeEqual(actual, expected)
}

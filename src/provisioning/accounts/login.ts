/**
 * Logins from SCIM userNames, by the tenant's rule (docs/accounts.md, *Logins*). Pure.
 *
 * `github`: the part of the userName after `\` (DOMAIN\user) and before `@` (an email or UPN,
 * with Entra's `#EXT#` marker for guests dropped), every character other than an ASCII letter,
 * digit or `-` replaced by `-`, runs of `-` made one and `-` trimmed from both ends; then
 * `_<short code>`. Case is kept. `bob@contoso.com` and `bob@fabrikam.com` both give `bob`.
 *
 * `userName`: the userName itself, for applications whose people sign in with their email.
 */
import { createHash } from 'node:crypto'
import { invalidValue } from '../../scim/errors.js'
import type { LoginRule } from '../tenant-settings.js'

/** GitHub's limit, short code included. */
export const MAX_GITHUB_LOGIN = 39
/** A userName used as the login as it is: the longest email address. */
export const MAX_USERNAME_LOGIN = 320

export interface LoginSettings {
  readonly loginRule: LoginRule
  readonly shortCode: string | null
}

const suffix = (shortCode: string | null): string => (shortCode ? `_${shortCode}` : '')

/** The login `userName` gives; 400 `invalidValue` when it gives none or one too long. */
export function deriveLogin(userName: string, settings: LoginSettings): string {
  if (settings.loginRule === 'userName') {
    const login = userName.trim()
    if (login === '') throw invalidValue('userName: an empty userName gives no login')
    if (login.length > MAX_USERNAME_LOGIN) {
      throw invalidValue(`userName: a login is at most ${MAX_USERNAME_LOGIN} characters; this userName has ${login.length}`)
    }
    return login
  }
  const afterDomain = userName.slice(userName.lastIndexOf('\\') + 1)
  const at = afterDomain.indexOf('@')
  const local = (at === -1 ? afterDomain : afterDomain.slice(0, at)).replace(/#EXT#/gi, '')
  const base = local
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
  if (base === '') {
    throw invalidValue(`userName: '${userName}' gives no login (it needs at least one letter or digit before any '@')`)
  }
  const login = base + suffix(settings.shortCode)
  if (login.length > MAX_GITHUB_LOGIN) {
    throw invalidValue(
      `userName: '${userName}' gives the login '${login}', ${login.length} characters long; a login is at most ${MAX_GITHUB_LOGIN} characters including the short code`,
    )
  }
  return login
}

/**
 * The login of a suspended account: a hash of its login (with the account id, so that two
 * accounts that held the same login at different times never collide), plus the short code.
 * The original login is free for someone else meanwhile.
 */
export function suspendedLogin(accountId: string, login: string, shortCode: string | null): string {
  const hash = createHash('sha256').update(`${accountId}\u0000${login}`).digest('hex').slice(0, 20)
  return hash + suffix(shortCode)
}

/** An address that is recognisably not one, in place of a suspended account's email. */
export function obfuscatedEmail(accountId: string, email: string): string {
  const hash = createHash('sha256').update(`${accountId}\u0000${email}`).digest('hex').slice(0, 20)
  return `${hash}@suspended.invalid`
}

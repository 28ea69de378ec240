/**
 * Which identity provider sent a SCIM call, for the provisioning log. The rules, in order
 * (docs/provisioning-log.md lists them too):
 *
 * 1. The User-Agent names the provider (any case): `okta` → Okta (Okta sends
 *    `OKTA SCIM Integration`, docs/idp-compatibility.md); `onelogin` → OneLogin;
 *    `pingfederate`, `pingidentity`, `ping identity`, `pingone` → PingFederate; `jumpcloud` →
 *    JumpCloud; `google` → Google; `azure`, `microsoft`, `entra`, or `aad` as a word → Entra ID.
 * 2. Otherwise the request's shape: the `aadOptscim062020` flag in the query (admins append it
 *    to the tenant URL, so it arrives on every call), or a PATCH whose `op` values are
 *    capitalised (`Add`, `Replace`, `Remove`) → Entra ID, the one provider here that spells
 *    them so (OneLogin and Okta use the RFC's lower case).
 * 3. Otherwise `other`.
 *
 * A User-Agent is the caller's claim, not proof: the log says "detected", and nothing decides
 * anything from it.
 */
import type { LogClient } from '../../store/records/provisioning-log.js'

const BY_USER_AGENT: readonly [RegExp, LogClient][] = [
  [/okta/i, 'okta'],
  [/onelogin/i, 'onelogin'],
  [/ping ?federate|ping ?identity|pingone/i, 'pingfederate'],
  [/jumpcloud/i, 'jumpcloud'],
  [/google/i, 'google'],
  [/azure|microsoft|entra|\baad\b/i, 'entra'],
]

export const CLIENT_NAMES: Readonly<Record<LogClient, string>> = {
  entra: 'Entra ID',
  okta: 'Okta',
  onelogin: 'OneLogin',
  pingfederate: 'PingFederate',
  jumpcloud: 'JumpCloud',
  google: 'Google',
  other: 'other',
}

export interface ClientSignals {
  readonly userAgent: string | null | undefined
  /** The request URL, with its query string. */
  readonly url: string
  readonly method: string
  readonly body: unknown
}

const CAPITALISED_OP = /^(Add|Replace|Remove)$/

export function detectClient(request: ClientSignals): LogClient {
  const agent = request.userAgent
  if (agent) {
    for (const [pattern, client] of BY_USER_AGENT) if (pattern.test(agent)) return client
  }
  const query = request.url.indexOf('?')
  if (query !== -1 && /aadoptscim062020/i.test(request.url.slice(query))) return 'entra'
  if (request.method === 'PATCH' && capitalisedOps(request.body)) return 'entra'
  return 'other'
}

function capitalisedOps(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false
  const operations = (body as Record<string, unknown>).Operations
  if (!Array.isArray(operations) || operations.length === 0) return false
  return operations.every((op) => {
    const name = op && typeof op === 'object' ? (op as Record<string, unknown>).op : undefined
    return typeof name === 'string' && CAPITALISED_OP.test(name)
  })
}

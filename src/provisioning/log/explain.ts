/**
 * A failed SCIM call in plain language, for the admin who reads the provisioning log: what the
 * identity provider sent, why Roster refused it, and what to change, and where. Pure: it reads
 * only the entry (status, scimType, detail, method, path, client), so it explains entries
 * written before it existed too. The rules match the errors the SCIM routes and provisioning
 * actually throw (src/scim, src/provisioning, src/http); an error no rule knows still gets one
 * by its status class.
 */
import type { LogClient, LogEntry } from '../../store/records/provisioning-log.js'
import { CLIENT_NAMES } from './detect-client.js'

export interface Explanation {
  /** The problem in a few words: "Login already taken". */
  readonly title: string
  /** What the identity provider sent, in words. */
  readonly sent: string
  /** Why Roster refused it. */
  readonly why: string
  /** What to change, and where. */
  readonly fix: string
  /** Who can fix it: the identity provider's admin, Roster's admin, or nobody (it retries). */
  readonly side: 'idp' | 'roster' | 'retry'
}

export type Explainable = Pick<LogEntry, 'status' | 'scimType' | 'detail' | 'method' | 'path' | 'resourceType' | 'userName' | 'client'>

interface Rule {
  readonly when: (e: Explainable, detail: string) => boolean
  readonly explain: (e: Explainable, m: Context) => Omit<Explanation, 'sent'> & { sent?: string }
}

interface Context {
  /** "in Entra ID", "in Okta", "in the identity provider". */
  readonly inIdp: string
  /** The IdP's name, or "the identity provider". */
  readonly idp: string
  /** The quoted value the detail names first, if any ('ada'). */
  readonly quoted: string | undefined
  readonly detail: string
}

const idpName = (client: LogClient) => (client === 'other' ? 'the identity provider' : CLIENT_NAMES[client])

/** What the call asked for, from its method and path. */
function asked(e: Explainable): string {
  const thing = e.resourceType === 'Group' || /\/Groups(\/|$|\?)/.test(e.path) ? 'group' : /\/Users(\/|$|\?)/.test(e.path) ? 'user' : undefined
  const named = e.userName ? ` '${e.userName}'` : ''
  if (/\/Bulk(\?|$)/.test(e.path)) return 'sent a Bulk request (several changes in one call)'
  if (thing === undefined) return `called ${e.method} ${e.path}`
  switch (e.method) {
    case 'POST':
      return /\/\.search/.test(e.path) ? `searched for ${thing}s` : `asked to create the ${thing}${named}`
    case 'PUT':
      return `asked to replace the ${thing}${named} with a new version`
    case 'PATCH':
      return `asked to change the ${thing}${named}`
    case 'DELETE':
      return `asked to delete the ${thing}${named}`
    default:
      return /[?&]filter=/.test(e.path) ? `looked for a ${thing} with the filter ${filterOf(e.path)}` : `asked to read the ${thing}${named}`
  }
}

function filterOf(path: string): string {
  const query = path.indexOf('?')
  if (query === -1) return 'none'
  try {
    return new URLSearchParams(path.slice(query + 1)).get('filter') ?? 'none'
  } catch {
    return 'unreadable'
  }
}

/** How the IdP finds a resource again when the id it kept is gone. */
function refind(client: LogClient, m: Context): string {
  if (client === 'entra') return 'In Entra ID, restart provisioning (it clears the ids it kept and matches users again by the matching attribute).'
  if (client === 'okta') return 'In Okta, push the group again, or unassign and reassign the user, so Okta looks it up anew.'
  return `Make ${m.idp} look the resource up again (usually by resetting the connection's state, or unassigning and reassigning it).`
}

const has = (pattern: RegExp) => (_: Explainable, detail: string) => pattern.test(detail)
const scimType = (type: string) => (e: Explainable) => e.scimType === type

/** The rules, most specific first; the first that matches explains. */
const RULES: readonly Rule[] = [
  // 409: uniqueness and conflicts
  {
    when: has(/cannot be reactivated/),
    explain: (_, m) => ({
      title: 'Reactivation blocked: login taken',
      why: `The user was suspended, and while it was, another account took its login${m.quoted ? ` '${m.quoted}'` : ''}. Roster will not give one login to two people, so the account stays suspended.`,
      fix: `Either rename the other account in Roster (admin API or CLI), or change this user's userName ${m.inIdp} so it gives another login; then let ${m.idp} retry.`,
      side: 'roster',
    }),
  },
  {
    when: has(/linked to another SCIM user/),
    explain: (_, m) => ({
      title: 'Login belongs to another provisioned user',
      why: `The userName gives the login${m.quoted ? ` '${m.quoted}'` : ''}, and that login's account is already linked to a different user ${m.idp} provisioned. Two userNames that differ only after the '@' (ada@one.example, ada@two.example) give the same login.`,
      fix: `Give one of the two users a distinct userName ${m.inIdp} (or map userName from a unique attribute), or switch the tenant's login rule to userName.`,
      side: 'idp',
    }),
  },
  {
    when: has(/login '.*' is already taken/),
    explain: (_, m) => ({
      title: 'Login already taken',
      why: `The userName gives the login${m.quoted ? ` '${m.quoted}'` : ''}, and another account already has that login. Roster gives one login to one account only.`,
      fix: `If the other account should have another login, rename it in Roster (admin API or CLI); if it is a leftover, delete it. Otherwise change this user's userName ${m.inIdp} so that it gives a free login.`,
      side: 'roster',
    }),
  },
  {
    when: (e, d) => e.scimType === 'uniqueness' && /userName/.test(d),
    explain: (_, m) => ({
      title: 'userName already exists',
      why: `Roster already has a user with this userName${m.quoted ? ` (${m.quoted})` : ''}, compared without regard to case. ${m.idp} tried to create it instead of finding it, usually because it looked it up by another attribute, or lost track of the user it created before.`,
      fix: `Make ${m.idp} match existing users by userName (${m.inIdp}: the matching attribute of the user mapping), then retry; or delete the stale user in Roster if it should not exist.`,
      side: 'idp',
    }),
  },
  {
    when: has(/email .* belongs to account/),
    explain: () => ({
      title: 'Login and email point to different accounts',
      why: 'The userName gives the login of one existing account, while its primary email belongs to another. Roster cannot tell which account this person is.',
      fix: 'Merge or fix the two accounts in Roster (admin API) so that one account has both, then let the identity provider retry.',
      side: 'roster',
    }),
  },
  {
    when: has(/circular bulkId/),
    explain: () => ({
      title: 'Bulk operations refer to each other in a loop',
      why: 'Operations of the Bulk request refer to each other by bulkId in a circle, so none can be done first.',
      fix: 'This is a fault in the client that sent the Bulk request; report it to its vendor, or send the changes one by one.',
      side: 'idp',
    }),
  },
  {
    when: has(/accounts setting is off/),
    explain: () => ({
      title: 'This tenant keeps no accounts',
      why: "The tenant's accounts setting is off, so there is no account to link the user to.",
      fix: "Turn on the tenant's accounts setting in Roster, if it should have accounts.",
      side: 'roster',
    }),
  },
  // 400 invalidValue: the values Roster cannot accept
  {
    when: has(/a login is at most \d+ characters/),
    explain: (_, m) => {
      const max = /at most (\d+) characters/.exec(m.detail)?.[1]
      return {
        title: 'Login too long',
        why: `The login Roster derives from the userName would be longer than ${max ?? 'the'} characters${/short code/.test(m.detail) ? ', counting the tenant’s short code' : ''}${m.quoted ? ` ('${m.quoted}')` : ''}.`,
        fix: `Map a shorter value to userName ${m.inIdp} (for instance the mail nickname instead of a long UPN), or shorten this user's name there.`,
        side: 'idp',
      }
    },
  },
  {
    when: has(/gives no login/),
    explain: (_, m) => ({
      title: 'userName gives no login',
      why: "A login is made from the userName's letters and digits before any '@', and this userName has none (or is empty).",
      fix: `Map userName ${m.inIdp} to an attribute every user has a usable value for, such as the UPN or the email.`,
      side: 'idp',
    }),
  },
  {
    when: has(/is not a role; roles are/),
    explain: (_, m) => ({
      title: 'Unknown role',
      why: `The user's roles carry ${m.quoted ? `'${m.quoted}', ` : 'a value '}which is not one of Roster's roles (${/roles are (.*)$/.exec(m.detail)?.[1] ?? 'see the detail'}).`,
      fix: `Change the role mapping ${m.inIdp} so it sends one of those values exactly, or stop sending roles.`,
      side: 'idp',
    }),
  },
  {
    when: has(/members: no User or Group with id/),
    explain: (_, m) => ({
      title: 'Unknown group member',
      why: 'The group change names a member id Roster does not have: the user was never provisioned to this tenant, or was deleted here.',
      fix: `Make sure the member is assigned to the application ${m.inIdp} and provisioned before the group, then retry the group.`,
      side: 'idp',
    }),
  },
  {
    when: has(/ is required$/),
    explain: (_, m) => ({
      title: 'Required attribute missing',
      why: `The resource lacks an attribute Roster requires (${m.detail.replace(/ is required$/, '')}).`,
      fix: `Map that attribute ${m.inIdp} and make sure every user has a value for it.`,
      side: 'idp',
    }),
  },
  {
    when: has(/longer than \d+ characters|more than \d+ values|nested deeper than/),
    explain: (_, m) => ({
      title: 'Value too large',
      why: `A value is over one of Roster's size limits: ${m.detail}.`,
      fix: `Shorten the value ${m.inIdp} or stop mapping that attribute.`,
      side: 'idp',
    }),
  },
  {
    when: scimType('invalidValue'),
    explain: (_, m) => ({
      title: 'Value not accepted',
      why: `A value has the wrong type or form for its attribute: ${m.detail}.`,
      fix: `Fix the attribute mapping ${m.inIdp} named in the detail (its type, or the expression that fills it).`,
      side: 'idp',
    }),
  },
  // 400: other SCIM error types
  {
    when: scimType('invalidFilter'),
    explain: (e, m) => ({
      title: 'Filter not understood',
      why: `Roster could not apply the filter ${filterOf(e.path) === 'none' ? '' : `'${filterOf(e.path)}' `}(${m.detail}). Filters name attributes of Roster's schema, with the operators of RFC 7644 that fit the attribute's type (no 'co' on a boolean, for instance).`,
      fix: `Match users by userName or externalId ${m.inIdp}; a custom matching attribute must be one Roster's schema has.`,
      side: 'idp',
    }),
  },
  {
    when: scimType('invalidSyntax'),
    explain: (_, m) => ({
      title: 'Request not understood',
      why: `The body was not the SCIM JSON Roster expects: ${m.detail}.`,
      fix: `Check that the Tenant URL ${m.inIdp} is exactly the one Roster shows, and that nothing between (a proxy) rewrites the body. If it persists, report it with the request id.`,
      side: 'idp',
    }),
  },
  {
    when: scimType('mutability'),
    explain: (_, m) => ({
      title: 'Read-only attribute changed',
      why: `The change writes an attribute that cannot be changed after the resource exists (${m.detail}).`,
      fix: `Remove that attribute from the update mappings ${m.inIdp}, or set it to apply on create only.`,
      side: 'idp',
    }),
  },
  {
    when: scimType('noTarget'),
    explain: (_, m) => ({
      title: 'PATCH has no target',
      why: `A PATCH operation did not say what to change (${m.detail}).`,
      fix: `This is usually a fault of the client's PATCH; check the attribute mapping ${m.inIdp} involved, or report it to its vendor with the request id.`,
      side: 'idp',
    }),
  },
  {
    when: scimType('invalidPath'),
    explain: (_, m) => ({
      title: 'Unknown attribute path',
      why: `A PATCH names an attribute path that is not in Roster's schema (${m.detail}).`,
      fix: `Map that attribute ${m.inIdp} to a standard SCIM attribute or the enterprise extension, or remove the mapping.`,
      side: 'idp',
    }),
  },
  {
    when: (e) => e.status === 400,
    explain: (_, m) => ({
      title: 'Request refused',
      why: m.detail || 'Roster refused the request as malformed.',
      fix: `Check the request ${m.inIdp} against the detail, and report it to its vendor with the request id if it persists.`,
      side: 'idp',
    }),
  },
  // Other statuses
  {
    when: (e) => e.status === 401,
    explain: (_, m) => ({
      title: 'Token not accepted',
      sent: 'It called with no bearer token, or one that is not valid for this tenant.',
      why: 'The SCIM token is missing, mistyped, expired or revoked, or belongs to another tenant.',
      fix: `Create a new SCIM token on the tenant's Connect an IdP page and paste it as the secret token ${m.inIdp}; then test the connection there.`,
      side: 'idp',
    }),
  },
  {
    when: (e, d) => e.status === 403 && /SCIM provisioning is disabled/.test(d),
    explain: () => ({
      title: 'SCIM is disabled for this tenant',
      why: "An administrator turned off SCIM for this tenant, so Roster refuses every SCIM change. Nothing the identity provider sends changes that.",
      fix: "Enable SCIM for the tenant in Roster (admin API or CLI) when provisioning should resume; the identity provider's next cycle then catches up.",
      side: 'roster',
    }),
  },
  {
    when: (e, d) => e.status === 403 && /requires SCIM|managed by the identity provider/.test(d),
    explain: (_, m) => ({
      title: 'Managed by the identity provider',
      why: 'This tenant requires SCIM: accounts the identity provider manages are changed only through SCIM.',
      fix: `Make the change ${m.inIdp}; or turn off Require SCIM in the tenant's settings to change such accounts in Roster.`,
      side: 'roster',
    }),
  },
  {
    when: (e) => e.status === 403,
    explain: (_, m) => ({
      title: 'Not allowed',
      why: m.detail || 'Roster does not allow this call.',
      fix: `Check the call ${m.inIdp} against the detail.`,
      side: 'idp',
    }),
  },
  {
    when: (e, d) => e.status === 404 && /no such endpoint/.test(d),
    explain: (_, m) => ({
      title: 'No such endpoint',
      why: `The path is not one of Roster's SCIM endpoints (${m.detail}).`,
      fix: `Set the Tenant URL ${m.inIdp} to exactly the one the Connect an IdP page shows, without extra path segments.`,
      side: 'idp',
    }),
  },
  {
    when: (e) => e.status === 404,
    explain: (e, m) => ({
      title: 'Unknown id',
      why: `Roster has no ${e.resourceType === 'Group' ? 'group' : e.resourceType === 'User' ? 'user' : 'resource'} with the id ${m.idp} used: it was deleted in Roster, created in another tenant, or ${m.idp} kept an id from an earlier connection.`,
      fix: `${refind(e.client, m)} If it was deleted here on purpose, unassign it ${m.inIdp}.`,
      side: 'idp',
    }),
  },
  {
    when: (e) => e.status === 405,
    explain: (_, m) => ({
      title: 'Method not supported',
      why: `The endpoint does not take this method (${m.detail}).`,
      fix: `Check the Tenant URL ${m.inIdp}; if it is right, report the call to its vendor.`,
      side: 'idp',
    }),
  },
  {
    when: (e) => e.status === 409,
    explain: (_, m) => ({
      title: 'Conflict',
      why: m.detail || 'The change conflicts with the current state.',
      fix: 'Resolve what the detail names in Roster, then let the identity provider retry.',
      side: 'roster',
    }),
  },
  {
    when: (e) => e.status === 412,
    explain: (_, m) => ({
      title: 'Changed in the meantime',
      why: `The resource changed between ${m.idp} reading it and writing it (If-Match named an older version), so the write was not applied over the newer one.`,
      fix: `Nothing, usually: ${m.idp} reads the resource again and retries. If it keeps failing, two systems are writing the same resource; stop one.`,
      side: 'retry',
    }),
  },
  {
    when: (e) => e.status === 413,
    explain: (_, m) => ({
      title: 'Request too large',
      why: `The request was over Roster's limits: ${m.detail}.`,
      fix: `Send fewer operations per Bulk request ${m.inIdp}, or raise ROSTER_BULK_MAX_OPERATIONS or the body limit in Roster's configuration.`,
      side: 'idp',
    }),
  },
  {
    when: (e) => e.status === 415,
    explain: (_, m) => ({
      title: 'Wrong content type',
      why: `The body was not sent as application/scim+json or application/json (${m.detail}).`,
      fix: `Check for a proxy that rewrites requests; otherwise report it to ${m.idp}'s vendor.`,
      side: 'idp',
    }),
  },
  {
    when: (e) => e.status === 429,
    explain: (_, m) => ({
      title: 'Too many requests',
      why: `${m.idp} sent more than Roster's rate limit or concurrency cap allows (${m.detail}). The answer told it when to retry.`,
      fix: `Nothing, if it retries and catches up. If it keeps happening, lower the concurrency ${m.inIdp}, or raise the tenant's rate limits (its settings) or the server's (ROSTER_RATE_LIMIT_TOKEN, ROSTER_RATE_LIMIT_TENANT, ROSTER_CONCURRENCY_TENANT).`,
      side: 'retry',
    }),
  },
  {
    when: (e) => e.status === 503,
    explain: (_, m) => ({
      title: 'Roster was unavailable',
      why: `Roster could not serve the call at that moment (${m.detail}). Nothing was changed.`,
      fix: `Nothing in ${m.idp}: it retries. Check the server's health and database if it lasts; the server's request log has the same request id.`,
      side: 'retry',
    }),
  },
  {
    when: (e) => e.status >= 500,
    explain: () => ({
      title: 'Server error',
      why: 'Roster failed while handling the call; it is not a fault of what was sent.',
      fix: "Look up the request id in the server's request log for the cause, and report it. The identity provider retries on its own.",
      side: 'roster',
    }),
  },
  {
    when: (e) => e.status >= 400,
    explain: (_, m) => ({
      title: 'Refused',
      why: m.detail || 'Roster refused the call.',
      fix: `Check the call ${m.inIdp} against the detail.`,
      side: 'idp',
    }),
  },
]

/** The explanation of a failed call, or undefined for one that succeeded. */
export function explain(entry: Explainable): Explanation | undefined {
  if (entry.status < 400) return undefined
  const detail = entry.detail ?? ''
  const idp = idpName(entry.client)
  const context: Context = {
    idp,
    inIdp: entry.client === 'other' ? 'in the identity provider' : `in ${idp}`,
    quoted: /'([^']+)'|"([^"]+)"/.exec(detail)?.slice(1).find((q) => q !== undefined),
    detail,
  }
  const rule = RULES.find((r) => r.when(entry, detail))!
  const { sent, ...rest } = rule.explain(entry, context)
  const who = entry.client === 'other' ? 'The client' : idp
  return { sent: sent ?? `${who} ${asked(entry)}.`, ...rest }
}

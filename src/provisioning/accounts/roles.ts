/**
 * Account roles from SCIM `roles` values (docs/accounts.md, *Roles*): the four roles of a
 * GitHub enterprise, matched in any case (Entra sends `User`). Pure.
 */
import { invalidValue } from '../../scim/errors.js'

export const ROLES = ['user', 'guest_collaborator', 'enterprise_owner', 'billing_manager'] as const
export type Role = (typeof ROLES)[number]

const BY_FOLDED = new Map<string, Role>(ROLES.map((r) => [r, r]))

/** The account's roles: each SCIM role value once, `user` when none is given. 400 for an unknown value. */
export function rolesFromScim(roles: unknown): Role[] {
  if (!Array.isArray(roles) || roles.length === 0) return ['user']
  const found = new Set<Role>()
  for (const entry of roles) {
    const value = entry !== null && typeof entry === 'object' ? (entry as { value?: unknown }).value : entry
    if (typeof value !== 'string') throw invalidValue('roles: every role needs a string value')
    found.add(parseRole(value, 'roles'))
  }
  return [...found]
}

/** One role name, in any case; 400 naming `where` for an unknown one. */
export function parseRole(value: string, where: string): Role {
  const role = BY_FOLDED.get(value.trim().toLowerCase())
  if (!role) throw invalidValue(`${where}: '${value}' is not a role; roles are ${ROLES.join(', ')}`)
  return role
}

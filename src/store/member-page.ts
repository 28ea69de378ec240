/** What both stores share of reading membership rows: members, groups, member pages. */
import type { GroupMembership, Member, MemberPage, ResourceTypeId } from './contract.js'

/** A misuse of the contract, not a client error: callers choose the page size. */
export function checkPageLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new TypeError(`memberPage: limit must be a positive integer, got ${String(limit)}`)
  }
}

/** A member as `members()` gives it: no `display` when the member has no name. */
export const toMember = (value: string, type: ResourceTypeId, display: string | null): Member =>
  display === null ? { value, type } : { value, type, display }

/** A direct group as `groupsOf()` gives it: no `display` when the group has no name. */
export const toMembership = (value: string, display: string | null): GroupMembership =>
  display === null ? { value, type: 'direct' } : { value, display, type: 'direct' }

/**
 * A page of a walk that ends at `until` (the group's last seq when it began; undefined for an
 * empty group): `members` in seq order, at most `limit`, the last with seq `lastSeq`. A full
 * page that has not reached `until` has a next page, which may turn out empty if the rest was
 * removed meanwhile.
 */
export function memberPageOf(
  members: Member[],
  lastSeq: number | undefined,
  limit: number,
  until: number | undefined,
): MemberPage {
  if (lastSeq === undefined || until === undefined || members.length < limit || lastSeq >= until) return { members }
  return { members, next: { after: lastSeq, until } }
}

/**
 * Ids of the rows Roster writes most (SCIM resources, accounts, outbox messages, teams):
 * UUIDv7 (RFC 9562 §5.7), whose leading 48 bits are the creation time in milliseconds.
 * Each of these tables has a unique index on id; a random (v4) id lands on a random leaf of
 * that index, so a burst of creates dirties a page per create there and every commit writes
 * them all. Time-ordered ids append at the index's right edge: the burst touches a few pages.
 * They are as unique and as opaque to clients as any UUID, and reveal only the creation time,
 * which `meta.created` states anyway.
 *
 * The random bits come from a v4 UUID: Node draws those from a pooled buffer of entropy, where
 * a library's v7 (the `uuid` package) asks the system for 16 fresh bytes per id — a cost that
 * showed in a profile of creates. Within one millisecond ids are unordered (RFC 9562 allows it;
 * the index still takes them at its edge).
 */
import { randomUUID } from 'node:crypto'

export function newId(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, '0')
  // A v4 UUID is xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx: keep its random tail and variant,
  // put the time in front and 7 where the 4 was.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`
}

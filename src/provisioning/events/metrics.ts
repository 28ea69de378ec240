/**
 * Events written, counted where they are appended (emit.ts). Process-wide, like the work it
 * counts: every server's metrics registry in the process shows it (http/metrics.ts).
 */
import client from 'prom-client'

export const eventsWritten = new client.Counter({
  name: 'roster_events_written_total',
  help: 'Durable events appended by this process, by type family (user, group, account, team, session, token, credentials, email)',
  labelNames: ['family'],
  registers: [],
})

/** `user` of `user.created`, `group` of `group.members.added`: a label with few values, however many types. */
export function familyOf(type: string): string {
  const dot = type.indexOf('.')
  return dot < 0 ? type : type.slice(0, dot)
}

export function countWritten(events: readonly { readonly type: string }[]): void {
  const counts = new Map<string, number>()
  for (const e of events) {
    const family = familyOf(e.type)
    counts.set(family, (counts.get(family) ?? 0) + 1)
  }
  for (const [family, n] of counts) eventsWritten.inc({ family }, n)
}

/**
 * What durable events cost a create (docs/events.md): `POST /Users` on an enterprise with
 * events on (each create writes user.created and account.created in its
 * transaction) against the same create on an enterprise with the tenant setting
 * `events: false`. Both write the provisioning log (it cannot be turned off), so the ratio is
 * the price of events alone. Measured in alternating rounds, the order reversed every other
 * round, each side's rounds combined. Target: creates/s with events >= 0.75x without.
 */
import { combineRounds, roundOrder, spread, type RoundResult } from '../combine.js'
import { measure, type BenchContext } from '../context.js'
import { costRatio } from '../cost.js'
import { target, type Row } from '../report.js'
import type { EventsBench, EventsTenant } from './events-setup.js'

export const EVENTS_CREATE_TARGET = 0.75
export const EVENTS_CREATE_ROUNDS = 6

export async function eventsCreate(ctx: BenchContext, setup: EventsBench): Promise<Row[]> {
  const { options } = ctx
  const sides: readonly EventsTenant[] = [await setup.tenant('quiet'), await setup.tenant('events')]
  const rounds = new Map<EventsTenant, RoundResult[]>(sides.map((t) => [t, []]))
  // Twice the accounts workload's time per side: the two sides differ by less than those do.
  const phaseMs = (2 * options.durationMs) / EVENTS_CREATE_ROUNDS

  for (let round = 0; round < EVENTS_CREATE_ROUNDS; round++) {
    const order = roundOrder(sides, round)
    ctx.log(`events create: round ${round + 1} of ${EVENTS_CREATE_ROUNDS} (${order.map((t) => t.tenant.slug).join(', ')})`)
    for (const t of order) {
      // The first round of each side warms its code paths; later ones only open connections.
      const warmup = round === 0 ? { ms: options.warmupMs } : { requests: options.connections }
      const { measurement, result } = await measure(ctx, t.endpoint, {
        plan: { kind: 'createUser', base: t.endpoint.basePath, userNamePrefix: t.prefix, first: t.created },
        warmup,
        measure: { ms: phaseMs },
        keepLatencies: true,
      })
      t.created += result.warmupRequests + result.requests
      rounds.get(t)!.push({ measurement, latencies: result.latencies ?? [] })
    }
  }

  const [quiet, events] = sides as [EventsTenant, EventsTenant]
  const offRounds = rounds.get(quiet)!
  const onRounds = rounds.get(events)!
  const off = combineRounds(offRounds)
  const on = combineRounds(onRounds)
  const ratio = on.reqPerSec / off.reqPerSec
  const perRound = onRounds.map((r, i) => r.measurement.reqPerSec / (offRounds[i]?.measurement.reqPerSec ?? Number.NaN))
  const { p50Ratio } = costRatio(off, on)
  return [
    {
      workload: 'events-create',
      label: 'create with events (user, account, email events)',
      kind: 'workload',
      measurement: on,
      ratio: { value: ratio, of: 'no events' },
      target: target(`>= ${EVENTS_CREATE_TARGET.toFixed(2)}x no events`, on, off.errors === 0 && ratio >= EVENTS_CREATE_TARGET),
      notes: [
        `creates/s over ${EVENTS_CREATE_ROUNDS} rounds alternating with the create without events: ${spread(perRound)} per round; ` +
          `p50 ${p50Ratio.toFixed(2)}x the create's without events`,
        'both tenants write the provisioning log entry of each create (the log cannot be turned off)',
      ],
    },
    {
      workload: 'events-create',
      label: 'create without events (events: false)',
      kind: 'baseline',
      measurement: off,
      notes: [
        `${EVENTS_CREATE_ROUNDS} rounds of ${(phaseMs / 1000).toFixed(2)} s per side on ${options.connections} connections, ` +
          'sides in turn (the order reversed every other round); each tenant starts empty, accounts on',
      ],
    },
  ]
}

/**
 * Webhook deliveries, counted by whoever sends them (the deliverer, an admin's redelivery or
 * ping). Process-wide, like the deliverer itself (provisioning/background.ts): every server's
 * metrics registry in the process shows them (http/metrics.ts).
 */
import client from 'prom-client'
import type { DeliveryKind, DeliveryOutcome } from '../../store/records/webhook.js'

/** Seconds from an event being written to its receiver's 2xx: from a poll's tens of ms to a day of retries. */
const LAG_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400]

export const webhookDeliveries = new client.Counter({
  name: 'roster_webhook_deliveries_total',
  help: 'Webhook delivery attempts, by kind (event, redelivery, ping) and outcome (delivered, failed, dead)',
  labelNames: ['kind', 'outcome'],
  registers: [],
})

export const webhookRetries = new client.Counter({
  name: 'roster_webhook_retries_total',
  help: 'Failed attempts at an event that the deliverer will try again after a backoff',
  registers: [],
})

export const webhookDeadLetters = new client.Counter({
  name: 'roster_webhook_dead_letters_total',
  help: 'Events dead-lettered for an endpoint after their last attempt failed (the endpoint moved on)',
  registers: [],
})

export const webhookLag = new client.Histogram({
  name: 'roster_webhook_delivery_lag_seconds',
  help: "Time from an event being written (its `at`, in the transaction of its change) to its endpoint's 2xx, retries included",
  buckets: LAG_BUCKETS,
  registers: [],
})

export const WEBHOOK_METRICS: readonly client.Metric[] = [webhookDeliveries, webhookRetries, webhookDeadLetters, webhookLag]

/** One attempt's outcome; `lagMs` for an event the deliverer got through, in order. */
export function countDelivery(kind: DeliveryKind, outcome: DeliveryOutcome, lagMs?: number): void {
  webhookDeliveries.inc({ kind, outcome })
  if (kind === 'event' && outcome === 'failed') webhookRetries.inc()
  if (outcome === 'dead') webhookDeadLetters.inc()
  if (lagMs !== undefined) webhookLag.observe(Math.max(0, lagMs) / 1000)
}

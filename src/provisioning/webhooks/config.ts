/** Webhook delivery settings from the environment (docs/webhooks.md, docs/configuration.md). */
import { positiveSetting } from '../email/config.js'

export interface WebhookConfig {
  /** Between two looks for endpoints with events to deliver. */
  readonly pollMs: number
  /** How long a receiver has to answer one delivery. */
  readonly timeoutMs: number
  /** The first retry of an event waits up to this long; each further one up to twice as long, at most an hour. */
  readonly retryBaseMs: number
  /** Attempts at one event after which it is dead-lettered for the endpoint. */
  readonly maxAttempts: number
  /** Or: how long after its first attempt an event that never got through is dead-lettered. */
  readonly maxAgeMs: number
  /** Endpoints one process delivers to at once. */
  readonly concurrency: number
}

export const WEBHOOK_DEFAULTS: WebhookConfig = {
  pollMs: 1000,
  timeoutMs: 10_000,
  retryBaseMs: 5000,
  maxAttempts: 12,
  maxAgeMs: 86_400_000,
  concurrency: 16,
}

export function webhookConfigFromEnv(env: NodeJS.ProcessEnv): WebhookConfig {
  const d = WEBHOOK_DEFAULTS
  return {
    pollMs: positiveSetting('ROSTER_WEBHOOK_POLL_MS', env.ROSTER_WEBHOOK_POLL_MS, d.pollMs),
    timeoutMs: positiveSetting('ROSTER_WEBHOOK_TIMEOUT_MS', env.ROSTER_WEBHOOK_TIMEOUT_MS, d.timeoutMs, 300_000),
    retryBaseMs: positiveSetting('ROSTER_WEBHOOK_RETRY_BASE_MS', env.ROSTER_WEBHOOK_RETRY_BASE_MS, d.retryBaseMs),
    maxAttempts: positiveSetting('ROSTER_WEBHOOK_MAX_ATTEMPTS', env.ROSTER_WEBHOOK_MAX_ATTEMPTS, d.maxAttempts, 1000),
    maxAgeMs: positiveSetting('ROSTER_WEBHOOK_MAX_AGE_MS', env.ROSTER_WEBHOOK_MAX_AGE_MS, d.maxAgeMs, Number.MAX_SAFE_INTEGER),
    concurrency: positiveSetting('ROSTER_WEBHOOK_CONCURRENCY', env.ROSTER_WEBHOOK_CONCURRENCY, d.concurrency, 1000),
  }
}

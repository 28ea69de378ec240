/**
 * Standard Webhooks signatures (the `standardwebhooks` package): HMAC-SHA256 over
 * `id.timestamp.body`, each secret's signature `v1,<base64>` in `webhook-signature`, space
 * separated. During a rotation both secrets sign, so a receiver that knows either accepts it.
 */
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import type { WebhookEndpoint } from '../../store/records/webhook.js'

/** The spec asks for 24 to 64 random bytes; 32 is what common providers issue. */
const SECRET_BYTES = 32

export const newSecret = (): string => `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`

/** The secrets that sign a delivery at `now`: the current one, and the previous one in its grace period. */
export function signingSecrets(endpoint: Pick<WebhookEndpoint, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, now: number): string[] {
  const { previousSecret, previousSecretExpiresAt } = endpoint
  const previousValid = previousSecret !== null && previousSecretExpiresAt !== null && Date.parse(previousSecretExpiresAt) > now
  return previousValid ? [endpoint.secret, previousSecret] : [endpoint.secret]
}

export interface SignedHeaders {
  readonly 'webhook-id': string
  readonly 'webhook-timestamp': string
  readonly 'webhook-signature': string
}

/** The three headers of a delivery of `body` as message `id`, sent at `at`. */
export function signedHeaders(id: string, at: Date, body: string, secrets: readonly string[]): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  }
}

/**
 * One POST of a signed payload to a receiver. A 2xx is delivered; anything else (another
 * status, a redirect — never followed, since it could lead anywhere — a timeout, a refused
 * connection) is a failure with a reason. At most RESPONSE_EXCERPT_BYTES of the answer are read.
 */
import type { EventRecord } from '../../store/records/event.js'
import { signedHeaders } from './signing.js'

export const RESPONSE_EXCERPT_BYTES = 1024

/** The body receivers get: the Standard Webhooks shape, `{ type, timestamp, data }`, `data` the whole event. */
export function payloadOf(event: EventRecord): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.at,
    data: {
      seq: event.seq,
      id: event.id,
      type: event.type,
      tenantId: event.tenantId,
      at: event.at,
      resourceType: event.resourceType,
      resourceId: event.resourceId,
      requestId: event.requestId,
      logEntryId: event.logEntryId,
      data: event.data,
    },
  })
}

export interface Attempt {
  readonly ok: boolean
  readonly status: number | null
  readonly latencyMs: number
  readonly response: string | null
  readonly error: string | null
}

async function excerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  // A multi-byte character cut at the limit becomes U+FFFD rather than an error.
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES))
}

export async function send(url: string, id: string, body: string, secrets: readonly string[], timeoutMs: number, now = new Date()): Promise<Attempt> {
  const started = performance.now()
  const latency = () => Math.round(performance.now() - started)
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: { 'content-type': 'application/json', 'user-agent': 'Roster-Webhooks/1', ...signedHeaders(id, now, body, secrets) },
      body,
    })
    const text = await excerpt(response)
    const ok = response.status >= 200 && response.status < 300
    let error: string | null = null
    if (!ok) {
      const location = response.headers.get('location')
      error =
        response.status >= 300 && response.status < 400
          ? `the receiver redirected${location ? ` to ${location.slice(0, 200)}` : ''}; redirects are not followed, change the endpoint's url instead`
          : `the receiver answered ${response.status}`
    }
    return { ok, status: response.status, latencyMs: latency(), response: text, error }
  } catch (e) {
    const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : `could not reach the receiver: ${causeOf(e)}`
    return { ok: false, status: null, latencyMs: latency(), response: null, error: reason }
  }
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a TLS error, …) is its cause. */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (e as Error).message
}

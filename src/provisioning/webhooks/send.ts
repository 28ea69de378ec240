/**
 * One POST of a signed payload to a receiver, on a kept-alive connection. A 2xx is delivered;
 * anything else (another status, a redirect — never followed, since it could lead anywhere — a
 * timeout, a refused connection) is a failure with a reason. At most RESPONSE_EXCERPT_BYTES of
 * the answer are read.
 */
import http from 'node:http'
import https from 'node:https'
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

/**
 * Connections kept open between deliveries, one pool per scheme for the whole process: an
 * endpoint's events go out one after the other, and a new TCP (and TLS) handshake for each
 * would cost more than the request. node:http rather than fetch: on loopback a fetch took
 * about four times the CPU of the same request through node:http (docs/webhooks.md), and the
 * deliverer runs in the process that serves SCIM.
 */
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
} as const

export interface Attempt {
  readonly ok: boolean
  readonly status: number | null
  readonly latencyMs: number
  readonly response: string | null
  readonly error: string | null
}

interface Answer {
  readonly status: number
  readonly location: string | undefined
  readonly text: string
}

/** Errors on a kept-alive connection the receiver closed while it was idle: the request never reached it. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE'])

/**
 * One request and the first RESPONSE_EXCERPT_BYTES of its answer. The rest of a longer answer
 * is not read: that connection is closed rather than drained.
 */
function post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', agent: AGENTS[url.protocol as keyof typeof AGENTS], headers, signal },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        const done = () => {
          // A multi-byte character cut at the limit becomes U+FFFD rather than an error.
          const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES))
          resolve({ status: response.statusCode ?? 0, location: response.headers.location, text })
        }
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk)
          size += chunk.byteLength
          if (size >= RESPONSE_EXCERPT_BYTES) {
            response.destroy()
            done()
          }
        })
        response.on('end', done)
        response.on('error', reject)
        // Closed before its end (after it, or after done(), this settles nothing).
        response.on('close', () => reject(new Error('the receiver closed the connection before the end of its answer')))
      },
    )
    request.on('error', (e: NodeJS.ErrnoException) => {
      // Sent on a reused connection that the receiver had just closed: nothing reached it.
      if (request.reusedSocket && e.code !== undefined && STALE_CONNECTION.has(e.code) && !signal.aborted) {
        post(url, headers, body, signal).then(resolve, reject)
        return
      }
      reject(e)
    })
    request.end(body)
  })
}

export async function send(url: string, id: string, body: string, secrets: readonly string[], timeoutMs: number, now = new Date()): Promise<Attempt> {
  const started = performance.now()
  const latency = () => Math.round(performance.now() - started)
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'Roster-Webhooks/1',
      ...signedHeaders(id, now, body, secrets),
    }
    const answer = await post(new URL(url), headers, body, signal)
    const ok = answer.status >= 200 && answer.status < 300
    let error: string | null = null
    if (!ok) {
      const location = answer.location
      error =
        answer.status >= 300 && answer.status < 400
          ? `the receiver redirected${location ? ` to ${location.slice(0, 200)}` : ''}; redirects are not followed, change the endpoint's url instead`
          : `the receiver answered ${answer.status}`
    }
    return { ok, status: answer.status, latencyMs: latency(), response: answer.text, error }
  } catch (e) {
    const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : `could not reach the receiver: ${causeOf(e)}`
    return { ok: false, status: null, latencyMs: latency(), response: null, error: reason }
  }
}

/** The system's or TLS's code (ECONNREFUSED, CERT_HAS_EXPIRED, …), else the message. */
function causeOf(e: unknown): string {
  const { code, message } = e as { code?: unknown; message?: unknown }
  return typeof code === 'string' ? code : String(message)
}

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyInstance } from 'fastify'
import { ScimError } from '../scim/errors.js'
import { SCIM_CONTENT_TYPE } from './scim-reply.js'

/**
 * What Node's HTTP server keeps on a socket: the response in flight, and the request being
 * parsed, `_dumped` once its response has finished and the rest of its body is discarded.
 */
type HttpSocket = Socket & {
  _httpMessage?: ServerResponse | null
  parser?: { incoming?: (IncomingMessage & { _dumped?: boolean }) | null } | null
}

/** Node's default `maxHeaderSize`: the request line and all headers together. */
const MAX_HEADER_BYTES = 16 * 1024

/**
 * Faults Node's HTTP parser meets before Fastify has a request: a request not received whole
 * in time, a request line or headers over 16 KB, text that is not HTTP. Fastify's default
 * writes its own JSON shape; here the reply is a SCIM error like every other, written whole to
 * the socket (there is no Fastify reply to send it with), and then the socket is closed, as
 * the `Connection: close` header says: the parser cannot find the next request after a fault.
 */
export function clientErrorHandler(requestTimeoutMs: number) {
  return function onClientError(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
    // The client reset the connection, or closed it mid-request: nobody is left to answer.
    if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || socket.destroyed) {
      this.log.debug({ code: error.code }, 'client closed the connection mid-request')
      socket.destroy()
      return
    }
    const [status, detail] = describe(error, requestTimeoutMs)
    this.log.info({ code: error.code, status, remoteAddress: socket.remoteAddress }, 'client error')
    // A request already answered (a 401 sent before its body was read, whose body then
    // stalled), or whose answer is under way, cannot take a second status line.
    const http = socket as HttpSocket
    const answered = http._httpMessage?.headersSent === true || http.parser?.incoming?._dumped === true
    if (!socket.writable || answered) {
      socket.destroy()
      return
    }
    const body = JSON.stringify(new ScimError(status, undefined, detail).toResponse())
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${SCIM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`
    // Destroyed once written out: ending alone would wait for a client that may never close.
    socket.end(head + body, () => socket.destroy())
  }
}

function describe(error: ConnectionError, requestTimeoutMs: number): [status: number, detail: string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, `the request was not received whole within ${seconds(requestTimeoutMs)}; send it again`]
    case 'HPE_HEADER_OVERFLOW':
      return [431, `the request line and headers are larger than the ${MAX_HEADER_BYTES} bytes this server accepts`]
    default:
      return [400, `the request is not valid HTTP/1.1 (${error.code ?? error.message})`]
  }
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

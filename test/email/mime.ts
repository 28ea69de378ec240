/**
 * Just enough MIME (RFC 2045-2047) to read back what the sender wrote: headers with encoded
 * words, a multipart/alternative body, quoted-printable and base64 parts. Strict: anything it
 * does not expect fails the test rather than being guessed at.
 */

export interface ParsedMessage {
  /** Header names in lower case; values unfolded and decoded. */
  readonly headers: ReadonlyMap<string, string>
  readonly contentType: string
  /** The text/plain part, line breaks as `\n`. */
  readonly text: string | undefined
  /** The text/html part, line breaks as `\n`. */
  readonly html: string | undefined
  readonly raw: string
}

function splitHead(entity: string): { head: string; body: string } {
  const at = entity.indexOf('\r\n\r\n')
  if (at === -1) return { head: entity, body: '' }
  return { head: entity.slice(0, at), body: entity.slice(at + 4) }
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); whitespace between two of them goes. */
export function decodeWords(value: string): string {
  const word = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g
  return value.replace(/(=\?[^?]+\?[QqBb]\?[^?]*\?=)\s+(?==\?)/g, '$1').replace(word, (_, charset: string, encoding: string, text: string) => {
    if (!/^utf-8$/i.test(charset)) throw new Error(`unexpected charset ${charset}`)
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1')
    return bytes.toString('utf8')
  })
}

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()))
  }
  return headers
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case '7bit':
    case '8bit':
      return body
    case 'quoted-printable': {
      const soft = body.replace(/=\r\n/g, '')
      return Buffer.from(soft.replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
    }
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    default:
      throw new Error(`unexpected transfer encoding ${encoding}`)
  }
}

const param = (value: string, name: string): string | undefined => new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(value)?.[1]

export function parseMessage(raw: string): ParsedMessage {
  const { head, body } = splitHead(raw)
  const headers = parseHeaders(head)
  const contentType = headers.get('content-type') ?? 'text/plain'
  let text: string | undefined
  let html: string | undefined
  const take = (type: string, content: string) => {
    const lf = content.replace(/\r\n/g, '\n')
    if (type.startsWith('text/plain')) text = lf
    else if (type.startsWith('text/html')) html = lf
    else throw new Error(`unexpected part ${type}`)
  }
  if (contentType.startsWith('multipart/')) {
    const boundary = param(contentType, 'boundary')
    if (!boundary) throw new Error(`no boundary in ${contentType}`)
    const sections = body.split(`--${boundary}`)
    // Before the first boundary: the preamble; after the closing one (`--boundary--`): the epilogue.
    for (const section of sections.slice(1)) {
      if (section.startsWith('--')) break
      const part = splitHead(section.replace(/^\r\n/, '').replace(/\r\n$/, ''))
      const partHeaders = parseHeaders(part.head)
      const type = partHeaders.get('content-type') ?? 'text/plain'
      if (!/charset="?utf-8"?/i.test(type)) throw new Error(`unexpected charset in ${type}`)
      take(type, decodeBody(part.body, partHeaders.get('content-transfer-encoding')))
    }
  } else {
    take(contentType, decodeBody(body, headers.get('content-transfer-encoding')))
  }
  return { headers, contentType, text, html, raw }
}

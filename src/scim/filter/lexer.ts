import { unstorableText } from '../json/unicode-text.js'

/**
 * Splits filter and PATCH path text into tokens for the recursive-descent parser. One pass, no
 * backtracking: every character is looked at a bounded number of times.
 *
 * A `word` is any run of characters other than whitespace, parentheses, brackets and quotes:
 * attribute paths (`urn:...:2.0:User:manager.value`), keywords (`eq`, `and`, `pr`), numbers and
 * the unquoted values some IdPs send (`externalId eq jyoung`). The parser decides what a word is
 * from where it stands.
 */

export type TokenKind = '(' | ')' | '[' | ']' | 'string' | 'word' | 'end'

export interface Token {
  readonly kind: TokenKind
  /** Zero-based offset of the first character. */
  readonly start: number
  /** Offset just past the last character. */
  readonly end: number
  /** The source text of the token (quotes included for strings). */
  readonly text: string
  /** The decoded value of a string token. */
  readonly value?: string
}

/** Reports a lexical fault; must throw. */
export type LexFault = (message: string, position: number) => never

const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const DOUBLE_QUOTE = 0x22
const SINGLE_QUOTE = 0x27
const BACKSLASH = 0x5c

const isSpace = (c: number) => c === SPACE || c === TAB || c === LF || c === CR

const isDelimiter = (c: number) =>
  isSpace(c) || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === DOUBLE_QUOTE

const PUNCTUATION: Readonly<Record<number, TokenKind>> = { 0x28: '(', 0x29: ')', 0x5b: '[', 0x5d: ']' }

/** RFC 8259 §7 escapes, plus `\'` for single-quoted strings. */
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
}

const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** The whole input as tokens, ending with one `end` token. */
export function lex(text: string, fault: LexFault): Token[] {
  const tokens: Token[] = []
  const length = text.length
  let i = 0
  while (i < length) {
    const c = text.charCodeAt(i)
    if (isSpace(c)) {
      i++
      continue
    }
    const punctuation = PUNCTUATION[c]
    if (punctuation !== undefined) {
      tokens.push({ kind: punctuation, start: i, end: i + 1, text: text[i] as string })
      i++
      continue
    }
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const token = lexString(text, i, fault)
      tokens.push(token)
      i = token.end
      continue
    }
    const start = i
    for (let w = text.charCodeAt(i); i < length && !isDelimiter(w); w = text.charCodeAt(++i)) {
      if (w < 0x20 || w === 0x7f) fault('control character', i)
    }
    tokens.push({ kind: 'word', start, end: i, text: text.slice(start, i) })
  }
  tokens.push({ kind: 'end', start: length, end: length, text: '' })
  return tokens
}

/**
 * RFC 7644 §3.4.2.2 compValue strings are JSON strings (RFC 8259 §7). Single-quoted strings
 * are not in the RFC; GitHub's and Entra's samples use them (`emails[type eq 'work'].value`), so
 * they are read with the same escapes.
 */
function lexString(text: string, start: number, fault: LexFault): Token {
  const quote = text.charCodeAt(start)
  let value = ''
  let chunk = start + 1
  let i = chunk
  for (;;) {
    if (i >= text.length) fault('unterminated string starting', start)
    const c = text.charCodeAt(i)
    if (c === quote) {
      value += text.slice(chunk, i)
      // No stored value holds such text (unicode-text.ts); refused alike on every store.
      const unstorable = unstorableText(value)
      if (unstorable !== undefined) fault(`a string contains ${unstorable}, which no stored value can hold,`, start)
      return { kind: 'string', start, end: i + 1, text: text.slice(start, i + 1), value }
    }
    if (c < 0x20) fault('control character in string', i)
    if (c !== BACKSLASH) {
      i++
      continue
    }
    value += text.slice(chunk, i)
    const escape = text[i + 1]
    if (escape === undefined) fault('unterminated string starting', start)
    const simple = ESCAPES[escape]
    if (simple !== undefined || (escape === "'" && quote === SINGLE_QUOTE)) {
      value += simple ?? "'"
      i += 2
    } else if (escape === 'u') {
      let code = 0
      for (let k = i + 2; k < i + 6; k++) {
        const digit = hexValue(text.charCodeAt(k))
        if (digit < 0) fault('invalid \\u escape in string', i)
        code = code * 16 + digit
      }
      value += String.fromCharCode(code)
      i += 6
    } else {
      fault(`invalid escape '\\${escape}' in string`, i)
    }
    chunk = i
  }
}

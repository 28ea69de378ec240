import { invalidFilter, type ScimError } from '../errors.js'
import { formatAttrPath, parseAttrPath } from '../path/attr-path.js'
import type { AttrPath, CompareOperator, CompareValue, Filter } from './ast.js'
import { lex, type Token } from './lexer.js'

/** Limits that keep one request from costing the server much (docs/design.md, *Untrusted input*). */
export const MAX_FILTER_LENGTH = 10_000
/** Levels of `(`, `not (` and `[` nesting. */
export const MAX_FILTER_DEPTH = 50
/** Attribute expressions (`eq`... and `pr`), value-path filters included. */
export const MAX_FILTER_COMPARISONS = 200

const OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])

/** JSON number (RFC 8259 §6). Each part is unambiguous, so matching is linear. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/

/** Which grammar is being read: it names the input in messages and picks the error type. */
export interface Grammar {
  readonly label: 'filter' | 'path'
  readonly error: (detail: string) => ScimError
}

const FILTER_GRAMMAR: Grammar = { label: 'filter', error: invalidFilter }

const lower = (s: string) => s.toLowerCase()
const isWord = (t: Token, word: string) => t.kind === 'word' && lower(t.text) === word

/**
 * Parses an RFC 7644 §3.4.2.2 filter into a frozen AST. Throws `invalidFilter` naming the
 * position of the fault.
 */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`filter: longer than ${MAX_FILTER_LENGTH} characters`)
  }
  return simpleComparison(text) ?? parseTokens(text)
}

/** The parser proper, without the shortcut of `simpleComparison`. */
export function parseTokens(text: string): Filter {
  const parser: FilterParser = new FilterParser(text, FILTER_GRAMMAR)
  if (parser.peek().kind === 'end') throw invalidFilter('filter: the filter is empty')
  const filter = parser.parseFilter()
  const rest = parser.peek()
  if (rest.kind !== 'end') parser.fail("expected 'and', 'or' or end of filter", rest.start, rest)
  return filter
}

/**
 * `attrPath op "value"`, the value a JSON string without escapes, and nothing else: what IdPs
 * send before every create (`userName eq "…"`, `externalId eq "…"`). Whitespace is the lexer's
 * (space, tab, CR, LF); the path is restricted to characters paths are made of, so any other
 * text goes to the parser, which gives it the same node or the error.
 */
const SIMPLE_COMPARISON = /^([ \t\n\r]*)([A-Za-z0-9$_:.-]+)[ \t\n\r]+([A-Za-z]{2})[ \t\n\r]*"([^"\\\u0000-\u001f]*)"[ \t\n\r]*$/
const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not'])

/** Paths by their text: they are frozen, and filters name the same few again and again. */
const paths = new Map<string, AttrPath | null>()
const MAX_PATHS = 1024

function attrPathOf(text: string): AttrPath | undefined {
  let path = paths.get(text)
  if (path === undefined) {
    path = parseAttrPath(text) ?? null
    if (paths.size >= MAX_PATHS) paths.clear()
    paths.set(text, path)
  }
  return path ?? undefined
}

/** The node the parser would build for a simple comparison, or undefined for anything else. */
function simpleComparison(text: string): Filter | undefined {
  const match = SIMPLE_COMPARISON.exec(text)
  if (match === null) return undefined
  const [, space, word, operator, value] = match as unknown as [string, string, string, string, string]
  const op = lower(operator)
  if (!OPERATORS.has(op) || KEYWORDS.has(lower(word))) return undefined
  const path = attrPathOf(word)
  if (path === undefined) return undefined
  return Object.freeze({ kind: 'compare', op: op as CompareOperator, path, value, position: space.length })
}

/**
 * Recursive descent over the RFC 7644 §3.4.2.2 ABNF, with `or` binding looser than `and` and
 * both associating to the left. Shared with the PATCH path parser, which reads a value filter
 * between brackets.
 */
export class FilterParser {
  readonly #tokens: Token[]
  readonly #grammar: Grammar
  #index = 0
  #depth = 0
  #comparisons = 0
  /** Set inside `[...]`: paths are relative and brackets cannot nest. */
  #inValuePath = false

  constructor(text: string, grammar: Grammar) {
    this.#grammar = grammar
    this.#tokens = lex(text, (message, position) => this.fail(message, position))
  }

  peek(): Token {
    return this.#tokens[this.#index] as Token
  }

  advance(): Token {
    const token = this.peek()
    if (token.kind !== 'end') this.#index++
    return token
  }

  fail(message: string, position: number, found?: Token): never {
    const { label, error } = this.#grammar
    const seen = found === undefined ? '' : `, found ${describe(found, label)}`
    throw error(`${label}: ${message} at position ${position}${seen}`)
  }

  /** FILTER, up to the first token that cannot continue it. */
  parseFilter(): Filter {
    let left = this.#parseAnd()
    while (isWord(this.peek(), 'or')) {
      this.advance()
      left = Object.freeze({ kind: 'or', left, right: this.#parseAnd() })
    }
    return left
  }

  /** `valFilter "]"`, after the caller consumed `open` (the `[`). */
  parseValueFilter(open: Token): Filter {
    if (this.#inValuePath) this.fail('nested value paths are not allowed', open.start)
    this.#enter(open)
    this.#inValuePath = true
    const filter = this.parseFilter()
    this.#inValuePath = false
    this.#expect(']', "expected ']'")
    this.#depth--
    return filter
  }

  #parseAnd(): Filter {
    let left = this.#parseUnary()
    while (isWord(this.peek(), 'and')) {
      this.advance()
      left = Object.freeze({ kind: 'and', left, right: this.#parseUnary() })
    }
    return left
  }

  #parseUnary(): Filter {
    const token = this.peek()
    if (token.kind === '(') return this.#parseGroup()
    if (token.kind !== 'word') this.fail("expected an attribute path, '(' or 'not'", token.start, token)
    const keyword = lower(token.text)
    if (keyword === 'not') {
      this.advance()
      const open = this.peek()
      if (open.kind !== '(') this.fail("expected '(' after 'not'", open.start, open)
      return Object.freeze({ kind: 'not', filter: this.#parseGroup() })
    }
    if (keyword === 'and' || keyword === 'or') {
      this.fail("expected an attribute path, '(' or 'not'", token.start, token)
    }
    return this.#parseAttributeExpression(token)
  }

  /** `"(" FILTER ")"`; the parentheses leave no node in the tree. */
  #parseGroup(): Filter {
    const open = this.advance()
    this.#enter(open)
    const inner = this.parseFilter()
    this.#expect(')', "expected ')'")
    this.#depth--
    return inner
  }

  /** `attrPath "pr"`, `attrPath compareOp compValue` or `attrPath "[" valFilter "]"`. */
  #parseAttributeExpression(token: Token): Filter {
    const path = parseAttrPath(token.text)
    if (path === undefined) this.fail('expected an attribute path', token.start, token)
    if (this.#inValuePath && (path.uri !== undefined || path.subAttr !== undefined)) {
      this.fail("expected a sub-attribute name inside '[...]'", token.start, token)
    }
    this.advance()
    const position = token.start
    const next = this.peek()
    if (next.kind === '[') {
      if (path.subAttr !== undefined) {
        this.fail(`a value filter cannot follow the sub-attribute '${formatAttrPath(path)}'`, next.start)
      }
      this.advance()
      const filter = this.parseValueFilter(next)
      return Object.freeze({ kind: 'valuePath', path, filter, position })
    }
    const op = next.kind === 'word' ? lower(next.text) : ''
    if (op === 'pr') {
      this.advance()
      this.#count(token)
      const after = this.peek()
      if (after.kind === 'string') this.fail("'pr' takes no value", after.start, after)
      return Object.freeze({ kind: 'present', path, position })
    }
    if (!OPERATORS.has(op)) this.fail('expected a comparison operator', next.start, next)
    this.advance()
    this.#count(token)
    const value = this.#parseValue()
    return Object.freeze({ kind: 'compare', op: op as CompareOperator, path, value, position })
  }

  /**
   * compValue: a JSON string, number, `true`, `false` or `null` (any case). A bare word is read
   * as a string: Entra's documentation sends `externalId eq jyoung` (docs/idp-compatibility.md).
   */
  #parseValue(): CompareValue {
    const token = this.peek()
    if (token.kind === 'string') {
      this.advance()
      return token.value as string
    }
    if (token.kind !== 'word') this.fail('expected a value', token.start, token)
    const word = lower(token.text)
    if (word === 'and' || word === 'or' || word === 'not') this.fail('expected a value', token.start, token)
    this.advance()
    if (word === 'true') return true
    if (word === 'false') return false
    if (word === 'null') return null
    if (JSON_NUMBER.test(token.text)) {
      const number = Number(token.text)
      if (!Number.isFinite(number)) this.fail('number out of range', token.start, token)
      return number
    }
    return token.text
  }

  #expect(kind: Token['kind'], message: string): void {
    const token = this.peek()
    if (token.kind !== kind) this.fail(message, token.start, token)
    this.advance()
  }

  #enter(token: Token): void {
    if (++this.#depth > MAX_FILTER_DEPTH) {
      this.fail(`nested deeper than ${MAX_FILTER_DEPTH} levels`, token.start)
    }
  }

  #count(token: Token): void {
    if (++this.#comparisons > MAX_FILTER_COMPARISONS) {
      this.fail(`more than ${MAX_FILTER_COMPARISONS} comparisons`, token.start)
    }
  }
}

const MAX_SHOWN = 40

function describe(token: Token, label: string): string {
  if (token.kind === 'end') return `end of ${label}`
  const text = token.text.length > MAX_SHOWN ? `${token.text.slice(0, MAX_SHOWN)}…` : token.text
  return `'${text}'`
}

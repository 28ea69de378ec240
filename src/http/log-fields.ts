import { lex, type Token } from '../scim/filter/lexer.js'
import type { Tenant } from '../store/contract.js'

/**
 * How log lines name a tenant: kind and slug, since an organization and an enterprise may
 * share a slug (`organization/acme`, `enterprise/acme`); the instance tenant has no slug.
 */
export const tenantLabel = (tenant: Pick<Tenant, 'kind' | 'slug'>): string =>
  tenant.kind === 'instance' ? 'instance' : `${tenant.kind}/${tenant.slug}`

const OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])
const HIDDEN = '…'

/**
 * The request URL as logged at info level: a `filter`'s values are left out (they are email
 * addresses, names, employee numbers), its shape is kept, e.g.
 * `/Users?filter=userName%20eq%20%22…%22`. A filter that does not lex is left out whole.
 */
export function loggedUrl(url: string): string {
  const question = url.indexOf('?')
  if (question === -1 || !/filter=/i.test(url)) return url
  const params = url
    .slice(question + 1)
    .split('&')
    .map((param) => {
      const equals = param.indexOf('=')
      if (equals === -1 || param.slice(0, equals).toLowerCase() !== 'filter') return param
      return `${param.slice(0, equals + 1)}${encodeURIComponent(withoutValues(decode(param.slice(equals + 1))))}`
    })
  return `${url.slice(0, question)}?${params.join('&')}`
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

/** The filter with every compared value replaced by `…` (quoted strings keep their quotes). */
function withoutValues(filter: string | undefined): string {
  if (filter === undefined) return HIDDEN
  let tokens: Token[]
  try {
    tokens = lex(filter, () => {
      throw new SyntaxError('not a filter')
    })
  } catch {
    return HIDDEN
  }
  let out = ''
  let at = 0
  tokens.forEach((token, i) => {
    const previous = tokens[i - 1]
    const value =
      token.kind === 'string' ||
      (token.kind === 'word' && previous?.kind === 'word' && OPERATORS.has(previous.text.toLowerCase()))
    if (!value) return
    out += filter.slice(at, token.start) + (token.kind === 'string' ? `"${HIDDEN}"` : HIDDEN)
    at = token.end
  })
  return out + filter.slice(at)
}

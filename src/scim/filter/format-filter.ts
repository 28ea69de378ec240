import { formatAttrPath } from '../path/attr-path.js'
import type { CompareValue, Filter } from './ast.js'

/** Binding strength: `or` < `and` < everything that is one unit on its own. */
const strength = (f: Filter): number => (f.kind === 'or' ? 0 : f.kind === 'and' ? 1 : 2)

/**
 * The filter as RFC 7644 §3.4.2.2 text that `parseFilter` reads back to the same tree: strings
 * quoted as JSON, parentheses only where grouping differs from the left-associative default.
 */
export function formatFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${formatAttrPath(filter.path)} ${filter.op} ${formatValue(filter.value)}`
    case 'present':
      return `${formatAttrPath(filter.path)} pr`
    case 'not':
      return `not (${formatFilter(filter.filter)})`
    case 'valuePath':
      return `${formatAttrPath(filter.path)}[${formatFilter(filter.filter)}]`
    case 'and':
    case 'or': {
      const own = strength(filter)
      const left = formatFilter(filter.left)
      const right = formatFilter(filter.right)
      return `${strength(filter.left) < own ? `(${left})` : left} ${filter.kind} ${
        strength(filter.right) <= own ? `(${right})` : right
      }`
    }
    default:
      return unreachable(filter)
  }
}

export function formatValue(value: CompareValue): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  return String(value)
}

function unreachable(node: never): never {
  throw new TypeError(`unknown filter node ${JSON.stringify(node)}`)
}

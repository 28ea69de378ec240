import { invalidValue } from '../errors.js'
import { isJsonObject } from './json-object.js'

/**
 * RFC 7643 §2.4: `primary: true` appears at most once in a multi-valued attribute. When an
 * operation makes one of `touched` primary, the others stop being primary; an operation that
 * makes two elements primary at once is refused.
 */
export function keepSinglePrimary(
  elements: readonly unknown[],
  touched: readonly unknown[],
  where: string,
  name: string,
): void {
  const primaries = touched.filter((e) => isJsonObject(e) && e.primary === true)
  if (primaries.length > 1) {
    throw invalidValue(`${where}: more than one value of '${name}' would be primary (RFC 7643 §2.4)`)
  }
  const [primary] = primaries
  if (primary === undefined) return
  for (const element of elements) {
    if (element !== primary && isJsonObject(element) && element.primary === true) delete element.primary
  }
}

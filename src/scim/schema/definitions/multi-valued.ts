import { attribute, type AttributeDefinition, type AttributeOptions } from '../attribute.js'

/**
 * RFC 7643 §2.4: the usual sub-attributes of a multi-valued attribute (`value`, `display`,
 * `type`, `primary`), with the `type` canonical values each attribute lists.
 */
export function multiValued(
  name: string,
  description: string,
  types: readonly string[] | undefined,
  options: { value?: AttributeOptions; valueType?: AttributeDefinition['type'] } = {},
): AttributeDefinition {
  return attribute(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      attribute('value', options.valueType ?? 'string', `The value of the ${name} item.`, options.value),
      attribute('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attribute('type', 'string', `A label indicating the ${name} item's function.`, types ? { canonicalValues: types } : {}),
      attribute('primary', 'boolean', `A Boolean value indicating the 'primary' or preferred ${name} item.`),
    ],
  })
}

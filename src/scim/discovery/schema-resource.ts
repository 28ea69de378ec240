import { SCHEMA_URNS, type AttributeDefinition, type SchemaDefinition } from '../schema/attribute.js'
import type { SchemaRegistry } from '../schema/resource-types.js'
import { trimBaseUrl } from './service-provider-config.js'

/**
 * RFC 7643 §7 (example §8.7.1): a schema as `/Schemas` serves it, with every characteristic of
 * every attribute, generated from the definitions the server validates with. The common
 * attributes (`id`, `externalId`, `meta`) are not listed, as in the RFC.
 */
export function schemaResource(schema: SchemaDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_URNS.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeResource),
    meta: { resourceType: 'Schema', location: `${trimBaseUrl(baseUrl)}/Schemas/${schema.id}` },
  }
}

/** RFC 7643 §7 `attributes`, keys in the order of §8.7.1. */
function attributeResource(a: AttributeDefinition): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    ...(a.canonicalValues && { canonicalValues: [...a.canonicalValues] }),
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.referenceTypes && { referenceTypes: [...a.referenceTypes] }),
    ...(a.subAttributes && { subAttributes: a.subAttributes.map(attributeResource) }),
  }
}

/** Every schema the registry's resource types use, core and extensions, each once. */
export function schemaDefinitions(registry: SchemaRegistry): SchemaDefinition[] {
  const byId = new Map<string, SchemaDefinition>()
  for (const type of registry.all) {
    for (const schema of [type.coreSchema, ...type.extensions.map((e) => e.schema)]) {
      if (!byId.has(schema.id)) byId.set(schema.id, schema)
    }
  }
  return [...byId.values()]
}

import { SCHEMA_URNS } from '../schema/attribute.js'
import type { ResourceSchema } from '../schema/resource-schema.js'
import { trimBaseUrl } from './service-provider-config.js'

/**
 * RFC 7643 §6 (example §8.6): a resource type as `/ResourceTypes` serves it, from the same
 * definition the server validates with. `schemaExtensions` is left out when there are none,
 * as in the RFC's Group example.
 */
export function resourceTypeResource(type: ResourceSchema, baseUrl: string): Record<string, unknown> {
  const { id, name, endpoint, description, schema, extensions } = type.type
  return {
    schemas: [SCHEMA_URNS.resourceType],
    id,
    name,
    endpoint,
    description,
    schema: schema.id,
    ...(extensions.length > 0 && {
      schemaExtensions: extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    }),
    meta: { resourceType: 'ResourceType', location: `${trimBaseUrl(baseUrl)}/ResourceTypes/${id}` },
  }
}

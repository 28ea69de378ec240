import type { AttrPath } from '../filter/ast.js'
import type { AttributeDefinition, SchemaDefinition } from './attribute.js'
import { commonAttributes } from './definitions/common.js'

export interface SchemaExtension {
  readonly schema: SchemaDefinition
  readonly required: boolean
}

/** RFC 7643 §6: a resource type and the schemas its resources are made of. */
export interface ResourceTypeDefinition {
  /** `User`, `Group`: also `meta.resourceType`. */
  readonly id: string
  readonly name: string
  /** `/Users`, `/Groups`. */
  readonly endpoint: string
  readonly description: string
  readonly schema: SchemaDefinition
  readonly extensions: readonly SchemaExtension[]
}

/** A path resolved against a resource type: canonical names and the definitions they point at. */
export interface ResolvedAttribute {
  /** The schema that defines the top-level attribute (the core URN for common attributes). */
  readonly schemaId: string
  /** Set when the attribute lives in an extension: the document keeps it under `doc[extension]`. */
  readonly extension?: string
  /** The top-level attribute. */
  readonly attribute: AttributeDefinition
  /** The sub-attribute, when the path named one. */
  readonly subAttribute?: AttributeDefinition
  /** Whether it is one of RFC 7643 §3.1's common attributes (`id`, `externalId`, `meta`). */
  readonly common: boolean
}

const lower = (s: string) => s.toLowerCase()

/**
 * Looks attributes up by name, case-insensitively (RFC 7643 §2.1), for one resource type.
 * Everything that needs the shape of a resource (validation, projection, PATCH, filters, SQL)
 * goes through here, so one definition drives all of them.
 */
export class ResourceSchema {
  readonly type: ResourceTypeDefinition
  readonly #schemas = new Map<string, SchemaDefinition>()
  readonly #attributes = new Map<string, Map<string, AttributeDefinition>>()
  readonly #common = new Map<string, AttributeDefinition>()

  constructor(type: ResourceTypeDefinition) {
    this.type = type
    for (const schema of [type.schema, ...type.extensions.map((e) => e.schema)]) {
      this.#schemas.set(lower(schema.id), schema)
      this.#attributes.set(lower(schema.id), new Map(schema.attributes.map((a) => [lower(a.name), a])))
    }
    for (const a of commonAttributes) this.#common.set(lower(a.name), a)
  }

  get coreSchema(): SchemaDefinition {
    return this.type.schema
  }

  get extensions(): readonly SchemaExtension[] {
    return this.type.extensions
  }

  /** All schema URNs of this resource type, core first. */
  get schemaIds(): string[] {
    return [this.type.schema.id, ...this.type.extensions.map((e) => e.schema.id)]
  }

  /** The schema with this URN (any case), if the resource type has it. */
  findSchema(urn: string): SchemaDefinition | undefined {
    return this.#schemas.get(lower(urn))
  }

  isExtension(urn: string): boolean {
    const s = this.findSchema(urn)
    return s !== undefined && s !== this.type.schema
  }

  /** A top-level attribute of one schema (or of the core schema and the common attributes). */
  attribute(name: string, schemaUrn?: string): ResolvedAttribute | undefined {
    const key = lower(name)
    if (schemaUrn === undefined || lower(schemaUrn) === lower(this.type.schema.id)) {
      const common = this.#common.get(key)
      if (common) return { schemaId: this.type.schema.id, attribute: common, common: true }
      const core = this.#attributes.get(lower(this.type.schema.id))?.get(key)
      return core && { schemaId: this.type.schema.id, attribute: core, common: false }
    }
    const schema = this.findSchema(schemaUrn)
    const found = schema && this.#attributes.get(lower(schema.id))?.get(key)
    return found && { schemaId: schema.id, extension: schema.id, attribute: found, common: false }
  }

  /**
   * Resolves `[uri:]name[.subAttr]`. Returns undefined when any part is unknown. An `AttrPath`
   * whose `uri:name` is itself a schema URN (a whole extension) is not an attribute and also
   * resolves to undefined; use `findSchema` for that.
   */
  resolve(path: AttrPath): ResolvedAttribute | undefined {
    const top = this.attribute(path.name, path.uri)
    if (!top || path.subAttr === undefined) return top
    const sub = subAttribute(top.attribute, path.subAttr)
    return sub && { ...top, subAttribute: sub }
  }
}

/** A sub-attribute of a complex attribute, by name in any case. */
export function subAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  const key = lower(name)
  return parent.subAttributes?.find((s) => lower(s.name) === key)
}

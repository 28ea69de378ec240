import { coreGroupSchema } from './definitions/core-group.js'
import { coreUserSchema } from './definitions/core-user.js'
import { enterpriseUserSchema } from './definitions/enterprise-user.js'
import { ResourceSchema, type ResourceTypeDefinition } from './resource-schema.js'

/** RFC 7643 §8.6: the User resource type, with the enterprise extension (optional). */
export const userResourceType: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: coreUserSchema,
  extensions: [{ schema: enterpriseUserSchema, required: false }],
}

export const groupResourceType: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: coreGroupSchema,
  extensions: [],
}

/** The resource types a server offers, by `id` (`User`, `Group`). */
export class SchemaRegistry {
  readonly #byId = new Map<string, ResourceSchema>()

  constructor(types: readonly ResourceTypeDefinition[]) {
    for (const t of types) this.#byId.set(t.id, new ResourceSchema(t))
  }

  get(id: string): ResourceSchema | undefined {
    return this.#byId.get(id)
  }

  /** Like `get`, for ids the caller knows exist; a miss is a programming error. */
  require(id: string): ResourceSchema {
    const found = this.#byId.get(id)
    if (!found) throw new TypeError(`unknown resource type ${id}`)
    return found
  }

  get all(): ResourceSchema[] {
    return [...this.#byId.values()]
  }
}

export const defaultRegistry = (): SchemaRegistry => new SchemaRegistry([userResourceType, groupResourceType])

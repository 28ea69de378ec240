/**
 * Schema pieces every route family uses. Each route's schemas validate its input (Fastify runs
 * them before the handler), shape its output (only the fields a schema names are written), and
 * are what the OpenAPI document describes: one definition for all three.
 */
import Type, { type Static, type TProperties, type TSchema, type TUnsafe } from 'typebox'

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' })

export const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description === undefined ? {} : { description })

/** A request body: unknown fields are refused (400 naming the field), never ignored. */
export const Body = <P extends TProperties>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description !== undefined && { description }) })

/** Ids are UUIDs, slugs at most 63 characters: a longer parameter names nothing. */
const MAX_KEY = 256

export const Key = (description: string) => Type.String({ minLength: 1, maxLength: MAX_KEY, description })

export const TENANT_KEY_DESCRIPTION = 'The tenant: instance, organization:<slug>, enterprise:<slug>, or the tenant id'

/** The path parameters of a route under /tenants/{t}, with its own. */
export const TenantParams = <P extends TProperties>(own: P) =>
  Type.Object({ t: Key(TENANT_KEY_DESCRIPTION), ...own })

export const NoContent = Type.Null({ description: 'Done; no content' })

/**
 * The schemas responses share, each under its name: Fastify resolves `{ $ref: name }` against
 * them, and the OpenAPI document lists them as components (so generated clients get an
 * `Account` type, not one anonymous object per route). Filled as the route modules load;
 * every admin scope adds them all (index.ts).
 */
export const NAMED_SCHEMAS: (TSchema & { $id: string })[] = []

/** `schema` under `name`, and a reference to it typed like it. */
export function named<T extends TSchema>(name: string, schema: T): TUnsafe<Static<T>> {
  NAMED_SCHEMAS.push({ ...schema, $id: name })
  return Type.Unsafe<Static<T>>({ $ref: name })
}

/** One of a few strings. */
export const OneOf = <const V extends string[]>(values: readonly [...V], description?: string) =>
  Type.Enum(values, description === undefined ? {} : { description })

export const Days = (max: number, description: string) => Type.Integer({ minimum: 1, maximum: max, description })

/** The optional name of a token or credential. */
export const CredentialName = Type.String({ minLength: 1, maxLength: 100, description: 'A name to tell it apart in listings' })

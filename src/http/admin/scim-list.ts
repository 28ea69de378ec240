/**
 * The admin API's lists of SCIM resources (`scim-users`, `scim-groups`): a SCIM filter parsed
 * and checked as the SCIM endpoints check it, a sort, and the store's own cursors, so the UI
 * shows exactly the error an IdP would get and page 1,000 costs what page 1 does.
 */
import Type from 'typebox'
import { parseFilter } from '../../scim/filter/parse-filter.js'
import type { ResourceSchema } from '../../scim/schema/resource-schema.js'
import type { ListQuery, StoredResource, TenantStore } from '../../store/contract.js'
import { OneOf } from './schemas.js'

/** Sortable names, as the API spells them, and the SCIM attribute each sorts by. */
export type Sortable = Readonly<Record<string, NonNullable<ListQuery['sortBy']>>>

export const MAX_SCIM_PAGE = 200

/** The query of a list: `noun` (users, groups) and an example filter for the document. */
export function scimListQuery<S extends Sortable>(sortable: S, noun: string, example: string) {
  return Type.Object({
    filter: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: `A SCIM filter, e.g. ${example}` })),
    sortBy: Type.Optional(OneOf(Object.keys(sortable) as (keyof S & string)[], `Default: the order ${noun} were created in`)),
    sortOrder: Type.Optional(OneOf(['ascending', 'descending'])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SCIM_PAGE, default: 50, description: `${noun[0]!.toUpperCase()}${noun.slice(1)} per page, 1 to ${MAX_SCIM_PAGE}` })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The nextCursor of the previous page; opaque' })),
  })
}

export interface ScimListRequest {
  readonly filter?: string
  readonly sortBy?: string
  readonly sortOrder?: 'ascending' | 'descending'
  readonly limit?: number
  readonly cursor?: string
}

/** One page of the list, read by the store's cursor. */
export async function scimListPage<T>(
  store: TenantStore,
  schema: ResourceSchema,
  sortable: Sortable,
  request: ScimListRequest,
  view: (resource: StoredResource) => T,
): Promise<{ items: T[]; nextCursor?: string }> {
  const { filter, sortBy, sortOrder, limit = 50, cursor } = request
  const query: { -readonly [K in keyof ListQuery]: ListQuery[K] } = { startIndex: 1, count: limit, cursor: cursor ?? '' }
  if (filter !== undefined) query.filter = parseFilter(filter)
  if (sortBy !== undefined) {
    query.sortBy = sortable[sortBy]
    query.sortOrder = sortOrder ?? 'ascending'
  }
  const page = await store.list(schema, query)
  return { items: page.resources.map(view), ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) }
}

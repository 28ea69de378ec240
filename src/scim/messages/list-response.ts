import { SCHEMA_URNS } from '../schema/attribute.js'

export interface ListResponse<T = unknown> {
  schemas: [typeof SCHEMA_URNS.listResponse]
  totalResults: number
  itemsPerPage: number
  /** Index pagination only; a cursor page has `nextCursor`/`previousCursor` instead. */
  startIndex?: number
  /** RFC 9865 §2: present on every cursor page but the last. */
  nextCursor?: string
  previousCursor?: string
  Resources: T[]
}

export type Page =
  | { totalResults: number; startIndex: number; itemsPerPage?: number }
  | { totalResults: number; nextCursor?: string; previousCursor?: string; itemsPerPage?: number }

/**
 * RFC 7644 §3.4.2: a page of query results. `Resources` is present even when empty: RFC 7644
 * makes it REQUIRED when `totalResults` is non-zero, and Entra ID's Test Connection expects
 * `Resources: []` for no match (docs/idp-compatibility.md). A cursor page (RFC 9865 §2) carries
 * `nextCursor`/`previousCursor` and no `startIndex`, as the RFC's examples show.
 */
export function listResponse<T>(resources: T[], page: Page): ListResponse<T> {
  return {
    schemas: [SCHEMA_URNS.listResponse],
    totalResults: page.totalResults,
    itemsPerPage: page.itemsPerPage ?? resources.length,
    ...('startIndex' in page && { startIndex: page.startIndex }),
    ...('nextCursor' in page && page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
    ...('previousCursor' in page && page.previousCursor !== undefined && { previousCursor: page.previousCursor }),
    Resources: resources,
  }
}

/**
 * `JSON.stringify(listResponse(resources, page))` for resources already serialised:
 * `resources[i]` is the JSON text of the i-th resource.
 */
export function listResponseJson(resources: readonly string[], page: Page): string {
  // An index page, the common case (every lookup), written directly in listResponse's key order.
  if ('startIndex' in page && typeof page.startIndex === 'number' && page.itemsPerPage === undefined) {
    return `${INDEX_PAGE_HEAD}${JSON.stringify(page.totalResults)},"itemsPerPage":${resources.length},"startIndex":${JSON.stringify(page.startIndex)},"Resources":[${resources.join(',')}]}`
  }
  const empty = JSON.stringify(listResponse([], { ...page, itemsPerPage: page.itemsPerPage ?? resources.length }))
  // `Resources` is the last key listResponse writes: the text ends with `[]}`.
  return `${empty.slice(0, -2)}${resources.join(',')}]}`
}

const INDEX_PAGE_HEAD = `{"schemas":${JSON.stringify([SCHEMA_URNS.listResponse])},"totalResults":`

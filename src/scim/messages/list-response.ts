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
 * `Resources: []` for no match (idp-behaviour.md §3.1). A cursor page (RFC 9865 §2) carries
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

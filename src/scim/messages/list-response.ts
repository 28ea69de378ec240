import { SCHEMA_URNS } from '../schema/attribute.js'

export interface ListResponse<T = unknown> {
  schemas: [typeof SCHEMA_URNS.listResponse]
  totalResults: number
  itemsPerPage: number
  startIndex: number
  Resources: T[]
}

/**
 * RFC 7644 §3.4.2: a page of query results. `Resources` is present even when empty: RFC 7644
 * makes it REQUIRED when `totalResults` is non-zero, and Entra ID's Test Connection expects
 * `Resources: []` for no match (idp-behaviour.md §3.1).
 */
export function listResponse<T>(
  resources: T[],
  page: { totalResults: number; startIndex: number; itemsPerPage?: number },
): ListResponse<T> {
  return {
    schemas: [SCHEMA_URNS.listResponse],
    totalResults: page.totalResults,
    itemsPerPage: page.itemsPerPage ?? resources.length,
    startIndex: page.startIndex,
    Resources: resources,
  }
}

import { SCHEMA_URNS } from '../schema/attribute.js'

export interface ServiceProviderConfigOptions {
  documentationUri?: string
  bulk: { maxOperations: number; maxPayloadSize: number }
  filterMaxResults: number
  etag: boolean
  changePassword: boolean
  sort: boolean
  patch: boolean
  /** The SCIM base URL of the tenant, e.g. `https://roster.example.com/scim/v2/enterprises/acme`. */
  baseUrl: string
  /** RFC 9865 §4: advertise `pagination` when set. */
  cursorPagination?: boolean
  /** RFC 9865 §4 `defaultPageSize`: the count of a query without one. */
  defaultPageSize?: number
  /** RFC 9865 §4 `cursorTimeout`: seconds a cursor stays valid between pages. */
  cursorTimeout?: number
}

/** `https://x/scim/v2/` and `https://x/scim/v2` name the same base. */
export const trimBaseUrl = (baseUrl: string) => baseUrl.replace(/\/+$/, '')

/**
 * RFC 7643 §5: what this service provider supports. Bulk counts as supported when it allows at
 * least one operation. Authentication is the bearer token of RFC 6750 (tokens are issued per
 * tenant; see docs/design.md, *Tenants and tokens*).
 */
export function serviceProviderConfig(options: ServiceProviderConfigOptions): Record<string, unknown> {
  const base = trimBaseUrl(options.baseUrl)
  return {
    schemas: [SCHEMA_URNS.serviceProviderConfig],
    ...(options.documentationUri !== undefined && { documentationUri: options.documentationUri }),
    patch: { supported: options.patch },
    bulk: {
      supported: options.bulk.maxOperations > 0,
      maxOperations: options.bulk.maxOperations,
      maxPayloadSize: options.bulk.maxPayloadSize,
    },
    filter: { supported: true, maxResults: options.filterMaxResults },
    changePassword: { supported: options.changePassword },
    sort: { supported: options.sort },
    etag: { supported: options.etag },
    ...(options.cursorPagination !== undefined && {
      pagination: {
        cursor: options.cursorPagination,
        index: true,
        // RFC 9865 §2.5 "Backwards Compatibility": clients that know only startIndex keep it.
        defaultPaginationMethod: 'index',
        ...(options.defaultPageSize !== undefined && { defaultPageSize: options.defaultPageSize }),
        maxPageSize: options.filterMaxResults,
        ...(options.cursorPagination && options.cursorTimeout !== undefined && { cursorTimeout: options.cursorTimeout }),
      },
    }),
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication scheme using the OAuth Bearer Token Standard',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        ...(options.documentationUri !== undefined && { documentationUri: options.documentationUri }),
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  }
}

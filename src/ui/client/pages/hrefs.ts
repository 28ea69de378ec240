/** The app's path of a tenant's page (`rest` starts with '/'). */
export const tenantHref = (key: string, rest = '') => `/tenants/${encodeURIComponent(key)}${rest}`

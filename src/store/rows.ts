/** The tenants and tokens tables have the same columns on every store: one mapping for all. */
import type { Tenant, TenantKind, TokenRecord } from './contract.js'

export interface TenantRow {
  id: string
  kind: TenantKind
  slug: string
  created_at: string
}

export interface TokenRow {
  id: string
  tenant_id: string
  name: string
  hash: string
  hint: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  kind: row.kind,
  slug: row.slug,
  createdAt: row.created_at,
})

export const toToken = (row: TokenRow): TokenRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  hash: row.hash,
  hint: row.hint,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
})

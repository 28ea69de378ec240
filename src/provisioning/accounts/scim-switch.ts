/**
 * Turning SCIM on and off for a tenant (admin API), each with a dry run that lists who would
 * be affected.
 *
 * Enabling, as on GitHub Enterprise Server: every active account the IdP does not manage is
 * suspended — except the setup owner, who must keep access to finish the setup — so that the
 * IdP decides who has access; its creates then link those accounts by login and unsuspend
 * them. Enabling also turns `requireScim` on for enterprises and the instance.
 *
 * Disabling: the tenant's SCIM endpoints answer 403, accounts stay as they are, and every
 * identity is unlinked, so the accounts become the administrator's to manage.
 */
import { conflict, notFound } from '../../scim/errors.js'
import type { Store, Tenant } from '../../store/contract.js'
import type { AccountRecord } from '../../store/records/account.js'
import { settingsOf } from '../tenant-settings.js'

const LISTED = 100

export interface ScimSwitchReport {
  readonly scimEnabled: boolean
  readonly dryRun: boolean
  /** Accounts suspended (enable) or unlinked (disable), or that would be. */
  readonly affected: number
  /** The first of them (at most 100). */
  readonly accounts: readonly Pick<AccountRecord, 'id' | 'login' | 'state'>[]
  /** The account kept active while enabling. */
  readonly setupOwner?: string
}

export async function enableScim(
  store: Store,
  tenant: Tenant,
  options: { dryRun?: boolean; setupOwner?: string } = {},
): Promise<ScimSwitchReport> {
  const tenants = store.forTenant(tenant)
  const report = await tenants.transaction(async (tx) => {
    const current = await tx.currentTenant()
    if (settingsOf(current).scimEnabled && !options.dryRun) throw conflict('SCIM is enabled already')
    let owner: AccountRecord | undefined
    if (options.setupOwner !== undefined) {
      owner = (await tx.accounts.byLogin(options.setupOwner, true)) ?? (await tx.accounts.get(options.setupOwner, true))
      if (!owner) throw notFound(`setupOwner: there is no account '${options.setupOwner}'`)
      if (!options.dryRun && !owner.setupOwner) await tx.accounts.update(owner.id, { setupOwner: true }, new Date().toISOString())
    }
    const { accounts, total } = await tx.accounts.unmanagedActive(LISTED + 1)
    const affected = accounts.filter((a) => a.id !== owner?.id)
    const count = owner && accounts.some((a) => a.id === owner.id) ? total - 1 : total
    if (!options.dryRun) {
      await tx.accounts.suspendUnmanaged(new Date().toISOString(), 'SCIM was enabled')
      await tx.updateTenantSettings({
        ...current.settings,
        scimEnabled: true,
        ...(current.kind !== 'organization' && { requireScim: true }),
      })
    }
    return {
      scimEnabled: !options.dryRun || settingsOf(current).scimEnabled,
      dryRun: options.dryRun === true,
      affected: count,
      // As they are after the call: suspended, unless this is a dry run.
      accounts: affected.slice(0, LISTED).map((a) => ({ id: a.id, login: a.login, state: options.dryRun ? a.state : ('suspended' as const) })),
      ...(owner && { setupOwner: owner.id }),
    }
  })
  if (!options.dryRun) store.tenantChanged(tenant.id)
  return report
}

export async function disableScim(store: Store, tenant: Tenant, options: { dryRun?: boolean } = {}): Promise<ScimSwitchReport> {
  const report = await store.forTenant(tenant).transaction(async (tx) => {
    const current = await tx.currentTenant()
    if (!settingsOf(current).scimEnabled && !options.dryRun) throw conflict('SCIM is disabled already')
    // SCIM writes read the settings in their transactions, so none links an identity again behind this.
    if (!options.dryRun) await tx.updateTenantSettings({ ...current.settings, scimEnabled: false })
    const page = await tx.accounts.list({ scimManaged: true, limit: LISTED })
    const affected = await (options.dryRun ? tx.accounts.linkedCount() : tx.accounts.unlinkAll(new Date().toISOString()))
    return {
      scimEnabled: options.dryRun === true && settingsOf(current).scimEnabled,
      dryRun: options.dryRun === true,
      affected,
      accounts: page.items.map((a) => ({ id: a.id, login: a.login, state: a.state })),
    }
  })
  if (!options.dryRun) store.tenantChanged(tenant.id)
  return report
}

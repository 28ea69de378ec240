/**
 * Organization invitations (GitHub organization behaviour): a SCIM create in an organization
 * makes an unlinked identity and an invitation; accepting it links the identity to an account
 * — the application's sign-in would do that, and until single sign-on lands an admin API call
 * stands in for it. Invitations expire and can be sent again.
 */
import { randomBytes } from 'node:crypto'
import { conflict, notFound } from '../../scim/errors.js'
import type { TenantStore } from '../../store/contract.js'
import type { IdentityListQuery, IdentityRecord, Page } from '../../store/records/account.js'
import type { InvitationRecord, InvitationState } from '../../store/records/invitation.js'
import { settingsOf } from '../tenant-settings.js'
import { enqueueEmail, hashSecret } from './lifecycle.js'
import { AccountLifecycle } from './lifecycle.js'
import { displayNameOf, isActive } from './scim-user.js'

const DAY_MS = 86_400_000

/** An invitation as an admin sees it: `expired` is a pending one past its expiry. */
export type InvitationView = Omit<InvitationRecord, 'hash' | 'state'> & { readonly state: InvitationState | 'expired' }

export const viewInvitation = (i: InvitationRecord, now = Date.now()): InvitationView => {
  const { hash: _hash, ...rest } = i
  return { ...rest, state: i.state === 'pending' && Date.parse(i.expiresAt) <= now ? 'expired' : i.state }
}

export class Invitations {
  readonly #store: TenantStore

  constructor(store: TenantStore) {
    this.#store = store
  }

  async list(query: { state?: InvitationState | 'expired'; after?: number; limit: number }): Promise<Page<InvitationView>> {
    const now = new Date()
    const page = await this.#store.transaction((tx) => tx.invitations.list({ ...query, now: now.toISOString() }))
    return { ...page, items: page.items.map((i) => viewInvitation(i, now.getTime())) }
  }

  identities(query: IdentityListQuery): Promise<Page<IdentityRecord>> {
    return this.#store.transaction((tx) => tx.accounts.identities(query))
  }

  /** A new code and expiry, and the email again. Pending or expired invitations only. */
  resend(id: string): Promise<InvitationView> {
    return this.#store.transaction(async (tx) => {
      const invitation = await tx.invitations.get(id, true)
      if (!invitation) throw notFound(`there is no invitation '${id}'`)
      if (invitation.state !== 'pending') throw conflict(`invitation '${id}' was ${invitation.state}; only a pending one can be sent again`)
      const tenant = await tx.currentTenant()
      const now = new Date()
      const token = `roster_inv_${randomBytes(24).toString('base64url')}`
      const expiresAt = new Date(now.getTime() + settingsOf(tenant).invitationDays * DAY_MS).toISOString()
      const renewed = (await tx.invitations.renew(id, hashSecret(token), expiresAt))!
      const user = await tx.get('User', invitation.scimUserId)
      if (renewed.email !== null && user) {
        const values = { displayName: displayNameOf(user.document), email: renewed.email, invitationToken: token, expiresAt }
        await enqueueEmail(tx, tenant, 'invitation', renewed.email, values, { invitationId: id }, now.toISOString())
      }
      return viewInvitation(renewed, now.getTime())
    })
  }

  /** Accepts by id (the admin API) or by the code the email carried. */
  accept(by: { id: string } | { token: string }): Promise<{ invitation: InvitationView; accountId: string }> {
    return this.#store.transaction(async (tx) => {
      const invitation = 'id' in by ? await tx.invitations.get(by.id, true) : await tx.invitations.byHash(hashSecret(by.token))
      if (!invitation) throw notFound('id' in by ? `there is no invitation '${by.id}'` : 'no invitation has this code')
      const now = new Date()
      const view = viewInvitation(invitation, now.getTime())
      if (view.state !== 'pending') throw conflict(`invitation '${invitation.id}' is ${view.state}; ask for it to be sent again`)
      const user = await tx.get('User', invitation.scimUserId)
      if (!user) throw conflict(`the SCIM user of invitation '${invitation.id}' was deleted`)
      if (!isActive(user.document)) throw conflict(`the SCIM user of invitation '${invitation.id}' is deactivated`)
      const accountId = await AccountLifecycle.linkInvited(tx, user)
      await tx.invitations.accept(invitation.id, accountId, now.toISOString())
      return { invitation: { ...view, state: 'accepted', acceptedAt: now.toISOString(), accountId }, accountId }
    })
  }
}

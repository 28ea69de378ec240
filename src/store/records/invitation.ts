/** Organization invitations and the email outbox, as the store keeps them. */

export type InvitationState = 'pending' | 'accepted' | 'revoked'

export interface InvitationRecord {
  readonly id: string
  readonly tenantId: string
  readonly scimUserId: string
  readonly email: string | null
  /** 'pending' past `expiresAt` reads as expired; the row itself is not rewritten. */
  readonly state: InvitationState
  readonly hash: string
  readonly createdAt: string
  readonly expiresAt: string
  readonly sentCount: number
  readonly acceptedAt: string | null
  readonly accountId: string | null
}

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed'

/** How a delivery ended for good: accepted by the mail server (at), or failed (why). */
export type EmailOutcome = { readonly state: 'sent'; readonly at: string } | { readonly state: 'failed'; readonly error: string }

export interface OutboxMessage {
  readonly id: string
  readonly tenantId: string
  /** The template it was rendered from ('welcome', 'invitation'). */
  readonly template: string
  readonly recipient: string
  readonly subject: string
  readonly text: string
  readonly html: string
  readonly state: OutboxState
  readonly attempts: number
  readonly nextAttemptAt: string
  readonly claimedUntil: string | null
  readonly lastError: string | null
  readonly createdAt: string
  readonly sentAt: string | null
  readonly accountId: string | null
  readonly invitationId: string | null
}

export interface EmailTemplate {
  readonly name: string
  readonly subject: string
  readonly text: string
  readonly html: string
}

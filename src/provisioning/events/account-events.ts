/**
 * Events of the application side: accounts (each history entry is one), teams, sessions and
 * email. Callers write them beside the change, in its transaction.
 */
import type { TenantTransaction } from '../../store/contract.js'
import type { EmailOutcome, OutboxMessage } from '../../store/records/invitation.js'
import { emitEvent } from './emit.js'

/**
 * Records an account history entry and its event (`account.<action>`: created, linked,
 * suspended, unsuspended, renamed, roles, removed, deleted).
 */
export async function recordAccount(
  tx: TenantTransaction,
  accountId: string,
  action: string,
  detail: Record<string, unknown>,
  at: string,
): Promise<void> {
  await tx.accounts.record(accountId, action, detail, at)
  await emitEvent(tx, { type: `account.${action}`, resourceType: 'Account', resourceId: accountId, at, data: detail })
}

/** `team.<action>` (created, updated, deleted, linked, unlinked, members.added, members.removed). */
export function teamEvent(tx: TenantTransaction, teamId: string, action: string, data: Record<string, unknown>): Promise<void> {
  return emitEvent(tx, { type: `team.${action}`, resourceType: 'Team', resourceId: teamId, data })
}

/** `session.<action>` (created, revoked) and `token.<action>` for personal tokens: one credential each. */
export function credentialEvent(tx: TenantTransaction, kind: 'session' | 'token', credentialId: string, action: string, data: Record<string, unknown>): Promise<void> {
  return emitEvent(tx, { type: `${kind}.${action}`, resourceType: kind === 'session' ? 'Session' : 'Token', resourceId: credentialId, data })
}

/**
 * `credentials.revoked`: every session and personal token of the account made up to
 * `createdUpTo` was revoked at once (suspension, removal); `count` were live.
 */
export function credentialsRevoked(
  tx: TenantTransaction,
  accountId: string,
  data: { count: number; createdUpTo: string; reason: 'suspended' | 'removed' },
): Promise<void> {
  return emitEvent(tx, { type: 'credentials.revoked', resourceType: 'Account', resourceId: accountId, data: { accountId, ...data } })
}

/**
 * `email.sent` or `email.failed`: the end of one message's delivery, written with the outbox
 * row's new state. Not when it is queued: the event that caused the message (an account
 * created, an invitation) says that much already, and a create then writes one event fewer.
 */
export function emailSettled(
  tx: TenantTransaction,
  message: Pick<OutboxMessage, 'id' | 'template' | 'recipient' | 'accountId' | 'invitationId' | 'attempts'>,
  outcome: EmailOutcome,
): Promise<void> {
  const data = {
    template: message.template,
    recipient: message.recipient,
    accountId: message.accountId,
    invitationId: message.invitationId,
    attempts: message.attempts,
    ...(outcome.state === 'failed' && { error: outcome.error }),
  }
  return emitEvent(tx, { type: `email.${outcome.state}`, resourceType: 'Email', resourceId: message.id, data })
}

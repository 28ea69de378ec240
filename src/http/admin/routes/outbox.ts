/** The tenant's email outbox: what was and will be sent, and retrying what failed. */
import Type, { type Static } from 'typebox'
import { conflict, notFound } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import type { OutboxMessage } from '../../../store/records/invitation.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Key, named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['outbox']

const OutboxState = OneOf(['pending', 'sending', 'sent', 'failed'])

const SummaryProperties = {
  id: Type.String(),
  template: Type.String({ description: 'The template it was rendered from' }),
  recipient: Type.String(),
  subject: Type.String(),
  state: OutboxState,
  attempts: Type.Integer(),
  nextAttemptAt: Timestamp,
  lastError: Nullable(Type.String()),
  createdAt: Timestamp,
  sentAt: Nullable(Timestamp),
  accountId: Nullable(Type.String()),
  invitationId: Nullable(Type.String()),
}

/** Listed without their bodies: a page of 500 messages need not carry 500 emails. */
const SummarySchema = Type.Object(SummaryProperties)

const MessageSchema = Type.Object({
  ...SummaryProperties,
  text: Type.String(),
  html: Type.String(),
  claimedUntil: Nullable(Timestamp, 'While sending: until when the sender holds it'),
})

const Summary = named('OutboxMessageSummary', SummarySchema)
const Message = named('OutboxMessage', MessageSchema)

const summaryView = (m: OutboxMessage): Static<typeof SummarySchema> => ({
  id: m.id,
  template: m.template,
  recipient: m.recipient,
  subject: m.subject,
  state: m.state,
  attempts: m.attempts,
  nextAttemptAt: m.nextAttemptAt,
  lastError: m.lastError,
  createdAt: m.createdAt,
  sentAt: m.sentAt,
  accountId: m.accountId,
  invitationId: m.invitationId,
})

const messageView = (m: OutboxMessage): Static<typeof MessageSchema> => ({
  ...summaryView(m),
  text: m.text,
  html: m.html,
  claimedUntil: m.claimedUntil,
})

export function registerOutboxRoutes(api: AdminScope, store: Store): void {
  const MessageParams = TenantParams({ id: Key('The message id') })

  api.get(
    '/outbox',
    {
      schema: {
        tags: TAGS,
        operationId: 'listOutbox',
        summary: 'Email messages, oldest first (without their bodies)',
        params: TenantParams({}),
        querystring: Type.Object({ state: Type.Optional(OutboxState), ...PageQuery }),
        response: { 200: Paged(Summary, 'A page of messages'), ...ERRORS },
      },
    },
    async (request) => {
      const { state } = request.query
      const paging = pagingOf(request, tenantOf(request).id)
      const page = await store.forTenant(tenantOf(request)).transaction((tx) =>
        tx.outbox.list({
          ...(state !== undefined && { state }),
          ...(paging.after !== undefined && { after: paging.after }),
          limit: paging.limit,
        }),
      )
      return paging.body({ ...page, items: page.items.map(summaryView) })
    },
  )

  api.get(
    '/outbox/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'getOutboxMessage',
        summary: 'One message, with its bodies',
        params: MessageParams,
        response: { 200: Message, ...ERRORS },
      },
    },
    async (request) => {
      const { id } = request.params
      const message = await store.forTenant(tenantOf(request)).transaction((tx) => tx.outbox.get(id))
      if (!message) throw notFound(`there is no outbox message '${id}'`)
      return messageView(message)
    },
  )

  api.post(
    '/outbox/:id/retry',
    {
      schema: {
        tags: TAGS,
        operationId: 'retryOutboxMessage',
        summary: 'Send a failed message again: pending, due now, attempts counted afresh',
        params: MessageParams,
        response: { 200: Message, ...ERRORS },
      },
    },
    async (request) => {
      const { id } = request.params
      const retried = await store.forTenant(tenantOf(request)).transaction(async (tx) => {
        const message = await tx.outbox.get(id)
        if (!message) throw notFound(`there is no outbox message '${id}'`)
        const again = await tx.outbox.retry(id, new Date().toISOString())
        if (!again) throw conflict(`message '${id}' is ${message.state}; only a failed message can be retried`)
        return again
      })
      return messageView(retried)
    },
  )
}

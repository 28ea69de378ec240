/**
 * `roster outbox …`: the emails of one tenant waiting to be sent, sent or failed, and a retry
 * of a failed one. Bodies are never shown: an invitation's holds the secret that accepts it.
 */
import { conflict, notFound } from '../../scim/errors.js'
import type { OutboxMessage, OutboxState } from '../../store/records/invitation.js'
import { USAGE } from '../usage.js'
import {
  checkAction,
  describeTenant,
  expectArguments,
  listLimit,
  oneOf,
  parse,
  TENANT_OPTIONS,
  unknownAction,
  withTenant,
  type Out,
} from './common.js'
import { moreNote, orDash, printable, printJson, printTable } from './output.js'

const STATES: readonly OutboxState[] = ['pending', 'sending', 'sent', 'failed']

/** Which action takes which option (the tenant options, every one). */
const OUTBOX_OPTIONS = { state: ['list'], limit: ['list'], json: ['list'] } as const

/** A message as listings show it: everything but its bodies. */
function summary(m: OutboxMessage): Omit<OutboxMessage, 'text' | 'html'> {
  const { text: _text, html: _html, ...rest } = m
  return rest
}

/** When the message was sent, or when it will be tried next (for a failed one, nothing). */
function when(m: OutboxMessage): string {
  if (m.state === 'sent') return `sent ${orDash(m.sentAt)}`
  if (m.state === 'pending') return `next try ${m.nextAttemptAt}`
  if (m.state === 'sending') return `sending until ${orDash(m.claimedUntil)}`
  return '-'
}

export async function outboxCommand(argv: string[], out: Out): Promise<void> {
  const usage = USAGE.outbox
  const { values, positionals } = parse(
    argv,
    { ...TENANT_OPTIONS, state: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    usage,
  )
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['list', 'retry'], values, OUTBOX_OPTIONS, usage)

  if (action === 'list') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const state = oneOf(values, 'state', STATES, usage)
    const limit = listLimit(values, usage)
    const { page, tenant } = await withTenant(values, usage, async (store, tenant) => ({
      tenant,
      page: await store.forTenant(tenant).transaction((tx) => tx.outbox.list({ limit, ...(state && { state }) })),
    }))
    const more = page.next !== undefined
    if (values.json) return printJson(out, { items: page.items.map(summary), more })
    if (page.items.length === 0) {
      return out(`No ${state ? `${state} ` : ''}messages in the outbox of ${describeTenant(tenant)}.`)
    }
    printTable(
      out,
      ['ID', 'STATE', 'TEMPLATE', 'RECIPIENT', 'ATTEMPTS', 'CREATED', 'WHEN', 'LAST ERROR'],
      page.items.map((m) => [m.id, m.state, m.template, m.recipient, String(m.attempts), m.createdAt, when(m), orDash(m.lastError)]),
    )
    moreNote(out, page.items.length, more, '--state')
    return
  }

  if (action === 'retry') {
    expectArguments(action, args, [1, 1], 'exactly one message id', usage)
    const id = args[0]!
    const message = await withTenant(values, usage, (store, tenant) =>
      store.forTenant(tenant).transaction(async (tx) => {
        const retried = await tx.outbox.retry(id, new Date().toISOString())
        if (retried) return retried
        const found = await tx.outbox.get(id)
        if (!found) throw notFound(`there is no message '${id}' in the outbox of ${describeTenant(tenant)}`)
        throw conflict(`message '${id}' is ${found.state}, not failed: only a failed message is retried`)
      }),
    )
    out(`Message '${message.id}' (${message.template} to ${printable(message.recipient)}) is pending again, due now, with its attempts counted from 0.`)
    return
  }

  throw unknownAction(action, usage)
}

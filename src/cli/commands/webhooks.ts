/**
 * `roster webhook …`: a tenant's webhook endpoints (docs/webhooks.md). `create` prints the
 * signing secret once; `redeliver --seq` sends one event from this process at once,
 * `redeliver --from` rewinds the endpoint so the server delivers again, in order.
 */
import { createEndpoint, deleteEndpoint, getEndpoint, redeliverFrom } from '../../provisioning/webhooks/endpoints.js'
import { redeliverEvent } from '../../provisioning/webhooks/manual.js'
import type { DeliveryOutcome } from '../../store/records/webhook.js'
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
  UsageError,
  withTenant,
  type Out,
} from './common.js'
import { moreNote, orDash, printable, printJson, printTable } from './output.js'

const OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'failed', 'dead']

const WEBHOOK_OPTIONS = {
  description: ['create'],
  events: ['create'],
  disabled: ['create'],
  outcome: ['deliveries'],
  limit: ['deliveries'],
  json: ['list', 'deliveries'],
  seq: ['redeliver'],
  from: ['redeliver'],
} as const

function seqOption(value: string | boolean | undefined, name: string, usage: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${name} must be an event seq, a whole number of at least 1, got '${String(value)}'`, usage)
  }
  return n
}

export async function webhookCommand(argv: string[], out: Out): Promise<void> {
  const usage = USAGE.webhook
  const { values, positionals } = parse(
    argv,
    {
      ...TENANT_OPTIONS,
      description: { type: 'string' },
      events: { type: 'string' },
      disabled: { type: 'boolean' },
      outcome: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      seq: { type: 'string' },
      from: { type: 'string' },
    },
    usage,
  )
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['list', 'create', 'delete', 'deliveries', 'redeliver'], values, WEBHOOK_OPTIONS, usage)

  if (action === 'list') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const { endpoints, tenant } = await withTenant(values, usage, async (store, tenant) => ({ tenant, endpoints: await store.webhooks.list(tenant.id) }))
    const shown = endpoints.map(({ secret: _s, previousSecret: _p, ...rest }) => rest)
    if (values.json) return printJson(out, { items: shown })
    if (shown.length === 0) return out(`No webhook endpoints in ${describeTenant(tenant)}.`)
    printTable(
      out,
      ['ID', 'URL', 'EVENTS', 'ENABLED', 'CURSOR', 'ATTEMPTS', 'LAST ERROR'],
      shown.map((e) => [e.id, printable(e.url), e.eventTypes.join(','), e.enabled ? 'yes' : 'no', String(e.cursor), String(e.attempts), orDash(e.lastError)]),
    )
    return
  }

  if (action === 'create') {
    expectArguments(action, args, [1, 1], 'exactly one URL', usage)
    const events = values.events === undefined ? undefined : String(values.events).split(',').map((s) => s.trim()).filter(Boolean)
    const made = await withTenant(values, usage, (store, tenant) =>
      createEndpoint(store, tenant, {
        url: args[0]!,
        ...(values.description !== undefined && { description: String(values.description) }),
        ...(events !== undefined && { eventTypes: events }),
        enabled: !values.disabled,
      }),
    )
    out(`Webhook endpoint ${made.id} created for ${printable(made.url)} (events: ${made.eventTypes.join(', ')}${made.enabled ? '' : '; disabled'}).`)
    out(`Signing secret (shown once, keep it): ${made.secret}`)
    return
  }

  if (action === 'delete') {
    expectArguments(action, args, [1, 1], 'exactly one endpoint id', usage)
    await withTenant(values, usage, (store, tenant) => deleteEndpoint(store, tenant, args[0]!))
    out(`Webhook endpoint ${args[0]} and its delivery log are deleted.`)
    return
  }

  if (action === 'deliveries') {
    expectArguments(action, args, [1, 1], 'exactly one endpoint id', usage)
    const outcome = oneOf(values, 'outcome', OUTCOMES, usage)
    const limit = listLimit(values, usage)
    const page = await withTenant(values, usage, async (store, tenant) => {
      await getEndpoint(store, tenant, args[0]!)
      return store.webhooks.deliveries(tenant.id, args[0]!, { limit, ...(outcome && { outcome }) })
    })
    const more = page.next !== undefined
    if (values.json) return printJson(out, { items: page.items, more })
    if (page.items.length === 0) return out(`No ${outcome ? `${outcome} ` : ''}deliveries to endpoint ${args[0]}.`)
    printTable(
      out,
      ['AT', 'SEQ', 'EVENT', 'TYPE', 'KIND', 'ATTEMPT', 'OUTCOME', 'STATUS', 'MS', 'ERROR'],
      page.items.map((d) => [d.at, String(d.eventSeq), d.eventId, d.eventType, d.kind, String(d.attempt), d.outcome, d.status === null ? '-' : String(d.status), String(d.latencyMs), orDash(d.error && printable(d.error))]),
    )
    moreNote(out, page.items.length, more, '--outcome')
    return
  }

  if (action === 'redeliver') {
    expectArguments(action, args, [1, 1], 'exactly one endpoint id', usage)
    const seq = seqOption(values.seq, 'seq', usage)
    const from = seqOption(values.from, 'from', usage)
    if ((seq === undefined) === (from === undefined)) throw new UsageError('give exactly one of --seq N (that event, now) and --from N (every event from N on)', usage)
    if (seq !== undefined) {
      const d = await withTenant(values, usage, (store, tenant) => redeliverEvent(store, tenant, args[0]!, seq))
      const how = d.status === null ? 'no answer' : `answer ${d.status}`
      out(`Event ${seq} (${d.eventId}) sent again: ${d.outcome}, ${how}, ${d.latencyMs} ms${d.error ? `: ${printable(d.error)}` : ''}.`)
      if (d.outcome !== 'delivered') process.exitCode = 1
      return
    }
    await withTenant(values, usage, (store, tenant) => redeliverFrom(store, tenant, args[0]!, from!))
    out(`Endpoint ${args[0]} rewound: a running server delivers every matching event from seq ${from} on again, in order.`)
    return
  }

  throw unknownAction(action, usage)
}

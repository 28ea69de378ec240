/** `roster team …`: teams of one tenant, their link to a SCIM group, members and reconciliation (Teams). */
import { Teams } from '../../provisioning/teams/teams.js'
import { notFound } from '../../scim/errors.js'
import { foldCase } from '../../scim/fold-case.js'
import type { TenantStore } from '../../store/contract.js'
import type { ReconcileReport, TeamRecord } from '../../store/records/team.js'
import { USAGE } from '../usage.js'
import {
  checkAction,
  describeTenant,
  expectArguments,
  listLimit,
  parse,
  TENANT_OPTIONS,
  unknownAction,
  UsageError,
  withTenant,
  type Out,
} from './common.js'
import { moreNote, orDash, printable, printJson, printTable } from './output.js'

/** Teams read per transaction when a command walks all of them. */
const PAGE = 500

/** Which action takes which option (the tenant options, every one). */
const TEAM_OPTIONS = {
  description: ['create'],
  parent: ['create'],
  replace: ['link'],
  limit: ['members'],
  json: ['list', 'members'],
} as const

/** Every team of the tenant, page by page, in the order they were made. */
async function allTeams(teams: Teams): Promise<TeamRecord[]> {
  const all: TeamRecord[] = []
  for (let after: number | undefined; ; ) {
    const page = await teams.list({ limit: PAGE, ...(after !== undefined && { after }) })
    all.push(...page.items)
    if (page.next === undefined) return all
    after = page.next
  }
}

/**
 * The team an argument names: its id, else its name (names are unique in a tenant, in any
 * case). The store looks teams up by id only, so a name is found by walking the tenant's teams.
 */
async function findTeam(store: TenantStore, ref: string): Promise<TeamRecord> {
  const byId = await store.transaction((tx) => tx.teams.get(ref))
  if (byId) return byId
  const wanted = foldCase(ref.trim())
  const byName = (await allTeams(new Teams(store))).find((t) => foldCase(t.name) === wanted)
  if (!byName) throw notFound(`there is no team with the id or name '${ref}' in ${describeTenant(store.tenant)}`)
  return byName
}

const named = (t: TeamRecord) => printable(`'${t.name}'`)

const batches = (n: number) => `${n} ${n === 1 ? 'batch' : 'batches'}`
const reportText = (r: ReconcileReport) => `${r.added} added, ${r.removed} removed, in ${batches(r.batches)}`
const members = (n: number) => `${n} ${n === 1 ? 'member' : 'members'}`

export async function teamCommand(argv: string[], out: Out): Promise<void> {
  const usage = USAGE.team
  const { values, positionals } = parse(
    argv,
    {
      ...TENANT_OPTIONS,
      description: { type: 'string' },
      parent: { type: 'string' },
      replace: { type: 'boolean' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
  )
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['create', 'list', 'link', 'unlink', 'members', 'reconcile'], values, TEAM_OPTIONS, usage)

  if (action === 'create') {
    expectArguments(action, args, [1, 1], 'exactly one team name', usage)
    const name = args[0]!
    const description = values.description as string | undefined
    const parentRef = values.parent as string | undefined
    if (parentRef === '') throw new UsageError(`--parent takes a team id or name, got ''`, usage)
    const { team, parent } = await withTenant(values, usage, async (store, tenant) => {
      const scoped = store.forTenant(tenant)
      const parent = parentRef === undefined ? undefined : await findTeam(scoped, parentRef)
      const team = await new Teams(scoped).create({
        name,
        ...(description !== undefined && { description }),
        ...(parent && { parentId: parent.id }),
      })
      return { team, parent }
    })
    out(`Created team ${named(team)} (${team.id})${parent ? ` inside team ${named(parent)}` : ''}.`)
    return
  }

  if (action === 'list') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const { teams, tenant } = await withTenant(values, usage, async (store, tenant) => ({
      tenant,
      teams: await allTeams(new Teams(store.forTenant(tenant))),
    }))
    if (values.json) return printJson(out, { items: teams })
    if (teams.length === 0) return out(`No teams in ${describeTenant(tenant)}.`)
    const names = new Map(teams.map((t) => [t.id, t.name]))
    printTable(
      out,
      ['ID', 'NAME', 'PARENT', 'GROUP', 'RECONCILED', 'DESCRIPTION'],
      teams.map((t) => [
        t.id,
        t.name,
        t.parentId === null ? '-' : (names.get(t.parentId) ?? t.parentId),
        orDash(t.groupId),
        t.reconciledAt === null ? '-' : `${t.reconciledAt}${t.reconcileReport ? ` (+${t.reconcileReport.added} -${t.reconcileReport.removed})` : ''}`,
        orDash(t.description),
      ]),
    )
    return
  }

  if (action === 'link') {
    expectArguments(action, args, [2, 2], 'a team id or name and a SCIM group id', usage)
    const [ref, groupId] = args as [string, string]
    const team = await withTenant(values, usage, async (store, tenant) => {
      const scoped = store.forTenant(tenant)
      const teams = new Teams(scoped)
      const found = await findTeam(scoped, ref)
      await teams.link(found.id, groupId, { replace: values.replace === true })
      return teams.get(found.id)
    })
    out(`Linked team ${named(team)} to SCIM group ${printable(groupId)}; its members are now the group's active users.`)
    if (team.reconcileReport) out(`Reconciled: ${reportText(team.reconcileReport)}; it has ${members(team.memberCount)}.`)
    return
  }

  if (action === 'unlink') {
    expectArguments(action, args, [1, 1], 'a team id or name', usage)
    const { before, team } = await withTenant(values, usage, async (store, tenant) => {
      const scoped = store.forTenant(tenant)
      const teams = new Teams(scoped)
      const before = await findTeam(scoped, args[0]!)
      await teams.unlink(before.id)
      return { before, team: await teams.get(before.id) }
    })
    const left = team.reconcileReport?.removed ?? 0
    out(
      `Unlinked team ${named(team)} from SCIM group ${printable(orDash(before.groupId))}: ` +
        `${members(left)} who had it through the group left it; it has ${members(team.memberCount)}.`,
    )
    return
  }

  if (action === 'members') {
    expectArguments(action, args, [1, 1], 'a team id or name', usage)
    const limit = listLimit(values, usage)
    const { team, page } = await withTenant(values, usage, async (store, tenant) => {
      const scoped = store.forTenant(tenant)
      const team = await findTeam(scoped, args[0]!)
      return { team, page: await new Teams(scoped).members(team.id, { limit }) }
    })
    const more = page.next !== undefined
    if (values.json) return printJson(out, { items: page.items, more })
    if (page.items.length === 0) return out(`Team ${named(team)} has no members.`)
    printTable(
      out,
      ['LOGIN', 'ACCOUNT', 'SOURCE', 'ADDED'],
      page.items.map((m) => [orDash(m.login), m.accountId, m.source === 'group' ? 'group' : 'by hand', m.addedAt]),
    )
    moreNote(out, page.items.length, more, '')
    return
  }

  if (action === 'reconcile') {
    expectArguments(action, args, [0, 1], 'at most one team id or name', usage)
    const ref = args[0]
    const { reports, tenant } = await withTenant(values, usage, async (store, tenant) => {
      const scoped = store.forTenant(tenant)
      const teams = new Teams(scoped)
      const chosen = ref === undefined ? await allTeams(teams) : [await findTeam(scoped, ref)]
      const reports: { team: TeamRecord; report: ReconcileReport }[] = []
      // Teams.reconcileAll sums its reports; walked here instead, each team's report is shown.
      for (const team of chosen) {
        const report = await teams.reconcile(team.id).catch((e: unknown) => {
          // A team deleted meanwhile has nothing to reconcile; naming it alone, it is an error.
          if (ref === undefined && (e as { status?: number }).status === 404) return undefined
          throw e
        })
        if (report) reports.push({ team, report })
      }
      return { reports, tenant }
    })
    if (ref !== undefined) {
      const [{ team, report }] = reports as [{ team: TeamRecord; report: ReconcileReport }]
      const group = team.groupId === null ? 'not linked to a group' : `SCIM group ${printable(team.groupId)}`
      return out(`Reconciled team ${named(team)} (${group}): ${reportText(report)}.`)
    }
    if (reports.length === 0) return out(`No teams in ${describeTenant(tenant)}.`)
    printTable(
      out,
      ['TEAM', 'GROUP', 'ADDED', 'REMOVED', 'BATCHES'],
      reports.map(({ team, report }) => [team.name, orDash(team.groupId), String(report.added), String(report.removed), String(report.batches)]),
    )
    const added = reports.reduce((n, r) => n + r.report.added, 0)
    const removed = reports.reduce((n, r) => n + r.report.removed, 0)
    const total = reports.reduce((n, r) => n + r.report.batches, 0)
    out(`Reconciled ${reports.length} ${reports.length === 1 ? 'team' : 'teams'}: ${added} added, ${removed} removed, in ${batches(total)}.`)
    return
  }

  throw unknownAction(action, usage)
}

/** `roster org …` and `roster enterprise …`: create and list tenants. */
import { createTenant, tenantBasePath } from '../../provisioning/tenants.js'
import { initialSettings, settingsOf } from '../../provisioning/tenant-settings.js'
import { isScimError } from '../../scim/errors.js'
import { commandName } from '../invocation.js'
import { USAGE } from '../usage.js'
import { checkAction, databaseFlag, expectArguments, parse, unknownAction, UsageError, withData, type Options, type Out } from './common.js'

/**
 * `--short-code`, checked by the rule tenants are created with before the database is opened;
 * undefined: the kind's default (an enterprise's made from its slug, an organization none).
 */
function shortCode(values: Options, kind: 'organization' | 'enterprise', slug: string, usage: string): string | undefined {
  const code = values['short-code'] as string | undefined
  if (code === undefined) return undefined
  try {
    initialSettings(kind, slug, code)
  } catch (e) {
    // The rule's own words ("shortCode: 'x' is not 3 to 8 letters and digits"), for the option as typed.
    if (isScimError(e)) throw new UsageError(e.detail.replace(/^shortCode\b/, '--short-code'), usage)
    throw e
  }
  return code
}

export async function tenantCommand(kind: 'organization' | 'enterprise', argv: string[], out: Out): Promise<void> {
  const usage = kind === 'organization' ? USAGE.org : USAGE.enterprise
  const { values, positionals } = parse(argv, { 'short-code': { type: 'string' } }, usage)
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['create', 'list'], values, { 'short-code': ['create'] }, usage)
  if (action === 'create') {
    expectArguments(action, args, [1, 1], 'exactly one slug', usage)
    const slug = args[0]!
    const code = shortCode(values, kind, slug, usage)
    const tenant = await withData(values, usage, (store) => createTenant(store, kind, slug, code === undefined ? {} : { shortCode: code }))
    out(`Created ${kind} '${tenant.slug}'.`)
    out(`SCIM base URL path: ${tenantBasePath(tenant)}`)
    const settings = settingsOf(tenant)
    if (settings.shortCode !== null) {
      out(
        settings.loginRule === 'github'
          ? `Short code: ${settings.shortCode} (logins made from SCIM userNames end in _${settings.shortCode}; it cannot change)`
          : `Short code: ${settings.shortCode} (appended to logins under the 'github' login rule; this tenant uses 'userName')`,
      )
    }
    const selector = kind === 'organization' ? '--org' : '--enterprise'
    out(`Next: ${commandName()} token create ${selector} ${tenant.slug}${databaseFlag(values)}`)
    return
  }
  if (action === 'list') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const tenants = await withData(values, usage, (store) => store.listTenants())
    for (const t of tenants.filter((t) => t.kind === kind)) {
      out(`${t.slug}\t${tenantBasePath(t)}\t${t.createdAt}\t${settingsOf(t).shortCode ?? '-'}`)
    }
    return
  }
  throw unknownAction(action, usage)
}

/**
 * What a SCIM write does to accounts, teams, invitations and email (docs/accounts.md). Every
 * method runs inside the transaction of the SCIM write that caused it (`ResourceHooks`,
 * resources.ts), so the SCIM resource and everything below commit together or not at all.
 */
import { createHash, randomBytes } from 'node:crypto'
import { conflict, forbidden, uniqueness } from '../../scim/errors.js'
import type { StoredResource, Tenant, TenantTransaction } from '../../store/contract.js'
import type { AccountChange, AccountRecord } from '../../store/records/account.js'
import type { NewOutboxMessage } from '../../store/sql/outbox-queries.js'
import { DEFAULT_TEMPLATES, renderEmail, type TemplateName } from '../email/templates.js'
import type { ResourceHooks, MemberDelta } from '../resources.js'
import { settingsOf, templateOverrides, type TenantSettings } from '../tenant-settings.js'
import { revokeAllCredentials } from './credentials.js'
import { deriveLogin, obfuscatedEmail, suspendedLogin } from './login.js'
import { rolesFromScim } from './roles.js'
import { displayNameOf, isActive, primaryEmail, userNameOf } from './scim-user.js'
import { recordAccount } from '../events/account-events.js'
import { emitEvent, emitEvents, type EventInput } from '../events/emit.js'
import { newId } from '../ids.js'

/** An account made for a SCIM user (its history says so in the store's own entry). */
const accountCreated = (accountId: string, login: string, scimUserId: string, at: string): EventInput => ({
  type: 'account.created',
  resourceType: 'Account',
  resourceId: accountId,
  at,
  data: { login, scimUserId, by: 'scim' },
})

const DAY_MS = 86_400_000

/** How a tenant is named to people (emails, messages). */
export const tenantName = (tenant: Pick<Tenant, 'kind' | 'slug'>): string => (tenant.kind === 'instance' ? 'this instance' : tenant.slug)

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex')

/** A message rendered from the tenant's template (its override, or the built-in one). */
export function emailMessage(
  tenant: Tenant,
  name: TemplateName,
  recipient: string,
  values: Record<string, string>,
  refs: { accountId?: string; invitationId?: string },
  now: string,
): NewOutboxMessage {
  // The overrides come with the tenant record every write reads anyway: no statement of their own.
  const template = templateOverrides(tenant)[name] ?? DEFAULT_TEMPLATES[name]
  const rendered = renderEmail(template, { tenant: tenantName(tenant), ...values })
  return {
    id: newId(),
    template: name,
    recipient,
    ...rendered,
    createdAt: now,
    accountId: refs.accountId ?? null,
    invitationId: refs.invitationId ?? null,
  }
}

/** Writes a rendered message to the outbox, in the caller's transaction. */
export async function enqueueEmail(
  tx: TenantTransaction,
  tenant: Tenant,
  name: TemplateName,
  recipient: string,
  values: Record<string, string>,
  refs: { accountId?: string; invitationId?: string },
  now: string,
): Promise<void> {
  const message = emailMessage(tenant, name, recipient, values, refs, now)
  await tx.outbox.enqueue(message)
}

/** The SCIM-side lifecycle of one tenant; reads the tenant's settings in each transaction. */
export class AccountLifecycle implements ResourceHooks {
  /**
   * An organization's invited identity becomes linked (its invitation was accepted): to the
   * account with its login if there is one, else to a new account. Returns the account id.
   */
  static async linkInvited(tx: TenantTransaction, user: StoredResource): Promise<string> {
    const scope = await Scope.open(tx)
    if (!scope) throw conflict('this tenant keeps no accounts (its accounts setting is off)')
    const linked = await tx.accounts.byScimUser(user.id)
    if (linked) return linked.id
    const login = scope.login(user.document)
    const existing = await tx.accounts.byLogin(login, true)
    if (existing) {
      await scope.link(existing, user.id, user.document, login)
      return existing.id
    }
    const created = await scope.createAccount(user.id, user.document, login, false)
    if (!created) throw uniqueness(`the login '${login}' is already taken by another account`)
    return created.id
  }

  /**
   * A SCIM user with no account (created while the tenant kept none, or while SCIM was off)
   * gets one now, as its create would have given it; organizations' identities stay invited.
   * For reconciliation: true when an account was made or linked.
   */
  static async repair(tx: TenantTransaction, scimUserId: string): Promise<boolean> {
    const scope = await Scope.open(tx)
    if (!scope || scope.tenant.kind === 'organization') return false
    const user = await tx.get('User', scimUserId)
    if (!user || (await tx.accounts.byScimUser(scimUserId))) return false
    await scope.provision(user.id, user.document, 'updated')
    return true
  }

  async created(tx: TenantTransaction, user: StoredResource): Promise<void> {
    if (user.resourceType !== 'User') return
    const scope = await Scope.open(tx)
    if (scope) await scope.provision(user.id, user.document, 'created')
  }

  /**
   * `created` for a batch of new users (PostgreSQL batches creates): one statement for the
   * accounts whose logins are free and one for their emails. Users whose logins are taken then
   * go the way of a single create (link, or 409 — which fails the batch, so each create of it
   * runs again alone and gets its own answer).
   */
  async createdMany(tx: TenantTransaction, users: readonly StoredResource[], _calls?: readonly unknown[]): Promise<void> {
    if (users.every((u) => u.resourceType !== 'User')) return
    const scope = await Scope.open(tx)
    if (!scope) return
    if (scope.tenant.kind === 'organization' || users.some((u) => u.resourceType !== 'User')) {
      for (const user of users) await this.created(tx, user)
      return
    }
    const planned = users.map((user) => {
      const login = scope.login(user.document)
      return { user, login, account: scope.newAccount(user.id, user.document, login) }
    })
    const inserted = await tx.accounts.insertManyIfFree(planned.map((p) => p.account))
    const messages: NewOutboxMessage[] = []
    for (const { user, login, account } of planned) {
      if (!inserted.has(account.id)) {
        await scope.provision(user.id, user.document, 'created')
        continue
      }
      const welcome = scope.welcome(account, login)
      if (welcome) messages.push(welcome)
    }
    await tx.outbox.enqueueMany(messages)
    await emitEvents(
      tx,
      planned
        .filter((p) => inserted.has(p.account.id))
        .map((p) => accountCreated(p.account.id, p.login, p.user.id, scope.now)),
    )
  }

  async updated(tx: TenantTransaction, before: StoredResource, after: StoredResource): Promise<'keep' | 'remove'> {
    // Okta's unchanged PUTs (before === after) change no account either.
    if (after.resourceType !== 'User' || before === after) return 'keep'
    const scope = await Scope.open(tx)
    return scope ? scope.update(before.document, after) : 'keep'
  }

  async deleting(tx: TenantTransaction, resource: StoredResource): Promise<void> {
    const scope = await Scope.open(tx)
    if (!scope) return
    if (resource.resourceType === 'Group') await tx.teams.groupDeleted(resource.id, scope.now)
    else await scope.hardDeprovision(resource.id)
  }

  /**
   * Nothing to do: a linked team's members are read from its group (teams/teams.ts), so a group
   * write changes them without a statement of its own, however many teams the group backs.
   */
  async membersChanged(_tx: TenantTransaction, _groupId: string, _delta: MemberDelta): Promise<void> {}
}

/** One transaction's view: the tenant as stored now, its settings, the time of the write. */
class Scope {
  readonly now = new Date().toISOString()

  private constructor(
    readonly tx: TenantTransaction,
    readonly tenant: Tenant,
    readonly settings: TenantSettings,
  ) {}

  /** Undefined when the tenant keeps SCIM resources only (`accounts: false`). */
  static async open(tx: TenantTransaction): Promise<Scope | undefined> {
    const tenant = await tx.currentTenant()
    const settings = settingsOf(tenant)
    // A write that passed the SCIM endpoint's check just before SCIM was turned off elsewhere.
    if (!settings.scimEnabled) throw forbidden('SCIM provisioning is disabled for this tenant; the change was not made')
    return settings.accounts ? new Scope(tx, tenant, settings) : undefined
  }

  login(doc: Readonly<Record<string, unknown>>): string {
    return deriveLogin(userNameOf(doc), this.settings)
  }

  /**
   * A SCIM user without an account gets one: linked to an existing account with its login
   * (GitHub Enterprise Server), or new. In an organization it is invited instead, unless an
   * account with its login exists.
   */
  async provision(scimUserId: string, doc: Readonly<Record<string, unknown>>, why: 'created' | 'updated'): Promise<void> {
    const login = this.login(doc)
    if (this.tenant.kind !== 'organization' && (await this.createAccount(scimUserId, doc, login))) return
    const existing = await this.tx.accounts.byLogin(login, true)
    if (existing) return this.link(existing, scimUserId, doc, login)
    if (this.tenant.kind === 'organization') {
      if (why === 'created') await this.invite(scimUserId, doc)
      return
    }
    // The login's holder was renamed or deleted between the insert and the look.
    if (!(await this.createAccount(scimUserId, doc, login))) throw uniqueness(`the login '${login}' is already taken by another account`)
  }

  /** The account a new SCIM user gets (not yet written). */
  newAccount(scimUserId: string, doc: Readonly<Record<string, unknown>>, login: string): AccountRecord {
    const email = primaryEmail(doc)
    const id = newId()
    const active = isActive(doc)
    return {
      id,
      tenantId: this.tenant.id,
      login: active ? login : suspendedLogin(id, login, this.settings.shortCode),
      displayName: displayNameOf(doc),
      emails: email === undefined ? [] : [active || this.settings.keepEmail ? email : obfuscatedEmail(id, email)],
      roles: rolesFromScim(doc.roles),
      state: active ? 'active' : 'suspended',
      scimManaged: true,
      scimUserId,
      setupOwner: false,
      createdAt: this.now,
      updatedAt: this.now,
      suspendedAt: active ? null : this.now,
    }
  }

  /** The welcome email of a new account, if it is active and has an address. */
  welcome(account: AccountRecord, login: string): NewOutboxMessage | undefined {
    const email = account.emails[0]
    if (account.state !== 'active' || email === undefined) return undefined
    return emailMessage(this.tenant, 'welcome', email, { login, displayName: account.displayName, email }, { accountId: account.id }, this.now)
  }

  /** A new account for the SCIM user; undefined (nothing written) when its login is taken. */
  async createAccount(
    scimUserId: string,
    doc: Readonly<Record<string, unknown>>,
    login: string,
    welcome = true,
  ): Promise<AccountRecord | undefined> {
    const account = await this.tx.accounts.insertIfFree(this.newAccount(scimUserId, doc, login))
    if (!account) return undefined
    await emitEvent(this.tx, accountCreated(account.id, login, scimUserId, this.now))
    const message = welcome ? this.welcome(account, login) : undefined
    if (message) await this.tx.outbox.enqueue(message)
    return account
  }

  /**
   * Links an account that existed before SCIM (or before this identity) to the SCIM user: the
   * IdP's values overwrite its name, emails (only the provisioned primary stays) and roles.
   */
  async link(account: AccountRecord, scimUserId: string, doc: Readonly<Record<string, unknown>>, login: string): Promise<void> {
    if (account.scimUserId !== null && account.scimUserId !== scimUserId) {
      throw uniqueness(`the login '${login}' is already taken by an account linked to another SCIM user`)
    }
    const email = primaryEmail(doc)
    if (email !== undefined) {
      const sameEmail = (await this.tx.accounts.byEmail(email)).filter((a) => a.id !== account.id && a.state !== 'deleted')
      if (sameEmail.length) {
        throw conflict(
          `cannot link: the login '${login}' is account ${account.id} but the email ${email} belongs to account ${sameEmail[0]!.id}; ` +
            'resolve which account this person is through the admin API first',
        )
      }
    }
    const active = isActive(doc)
    const change: AccountChange = {
      scimUserId,
      scimManaged: true,
      displayName: displayNameOf(doc),
      emails: email === undefined ? [] : [email],
      roles: rolesFromScim(doc.roles),
    }
    await recordAccount(this.tx, account.id, 'linked', { scimUserId, login }, this.now)
    await this.tx.invitations.revokeFor(scimUserId)
    const linked = { ...account, ...change }
    // One account write: the link's change goes with the activation or suspension.
    if (active) await this.activate(linked, login, email, change)
    else if (account.state === 'active') await this.suspend(linked, change)
    else await this.tx.accounts.update(account.id, change, this.now)
  }

  async invite(scimUserId: string, doc: Readonly<Record<string, unknown>>): Promise<void> {
    const email = primaryEmail(doc)
    const token = `roster_inv_${randomBytes(24).toString('base64url')}`
    const expiresAt = new Date(Date.parse(this.now) + this.settings.invitationDays * DAY_MS).toISOString()
    const invitation = await this.tx.invitations.insert({
      id: newId(),
      tenantId: this.tenant.id,
      scimUserId,
      email: email ?? null,
      state: 'pending',
      hash: hashSecret(token),
      createdAt: this.now,
      expiresAt,
      sentCount: 1,
      acceptedAt: null,
      accountId: null,
    })
    if (email !== undefined) {
      const values = { displayName: displayNameOf(doc), email, invitationToken: token, expiresAt }
      await enqueueEmail(this.tx, this.tenant, 'invitation', email, values, { invitationId: invitation.id }, this.now)
    }
  }

  async update(before: Readonly<Record<string, unknown>>, after: StoredResource): Promise<'keep' | 'remove'> {
    const doc = after.document
    const account = await this.tx.accounts.byScimUser(after.id, true)
    const wasActive = isActive(before)
    const active = isActive(doc)
    if (!account) {
      // An organization's unlinked identity (still invited), or a user created while the tenant
      // kept no accounts or SCIM was off: an enterprise or instance user gets its account now.
      if (wasActive && !active && this.settings.deprovisionPolicy === 'remove') {
        await this.tx.invitations.revokeFor(after.id)
        return 'remove'
      }
      if (this.tenant.kind !== 'organization') await this.provision(after.id, doc, 'updated')
      else if (wasActive && !active) await this.tx.invitations.revokeFor(after.id)
      else if (!wasActive && active) await this.invite(after.id, doc)
      return 'keep'
    }
    if (wasActive && !active && this.settings.deprovisionPolicy === 'remove') {
      await this.removeMember(account)
      return 'remove'
    }
    const change: { -readonly [K in keyof AccountChange]: AccountChange[K] } = { displayName: displayNameOf(doc), roles: rolesFromScim(doc.roles) }
    if (account.state !== 'active' && active) {
      await this.activate({ ...account, ...change }, this.login(doc), primaryEmail(doc), change)
      return 'keep'
    }
    if (account.state === 'active' && !active) {
      await this.suspend({ ...account, ...change }, change)
      return 'keep'
    }
    const email = primaryEmail(doc)
    if (account.state === 'active') {
      const login = this.login(doc)
      if (login !== account.login) {
        const holder = await this.tx.accounts.byLogin(login)
        if (holder && holder.id !== account.id) throw uniqueness(`the login '${login}' is already taken by another account`)
        change.login = login
        await recordAccount(this.tx, account.id, 'renamed', { from: account.login, to: login }, this.now)
      }
      change.emails = email === undefined ? [] : [email]
    } else if (this.settings.keepEmail) {
      change.emails = email === undefined ? [] : [email]
    }
    if (!sameList(change.roles!, account.roles)) {
      await recordAccount(this.tx, account.id, 'roles', { from: account.roles, to: change.roles }, this.now)
    }
    if (differs(account, change)) await this.tx.accounts.update(account.id, change, this.now)
    return 'keep'
  }

  /**
   * Soft deprovisioning: suspended, sessions and tokens revoked, the login freed (a hash takes
   * its place), the primary email obfuscated unless the tenant keeps it, and so out of every
   * team a group gives it (those list active accounts only) — while the SCIM user stays, with
   * `active: false`, in its groups. The same statements however many teams and sessions.
   */
  async suspend(account: AccountRecord, also: AccountChange = {}): Promise<void> {
    const login = account.login ?? ''
    const email = account.emails[0]
    await this.tx.accounts.update(
      account.id,
      {
        ...also,
        state: 'suspended',
        suspendedAt: this.now,
        login: suspendedLogin(account.id, login, this.settings.shortCode),
        emails: email === undefined || this.settings.keepEmail ? account.emails : [obfuscatedEmail(account.id, email)],
      },
      this.now,
    )
    const revoked = await revokeAllCredentials(this.tx, account.id, revocationTime(this.now), 'suspended')
    const leftTeams = account.scimUserId ? await this.tx.teams.groupTeamCount(account.scimUserId) : 0
    await recordAccount(this.tx, account.id, 'suspended', { login, by: 'scim', revokedCredentials: revoked, leftTeams }, this.now)
  }

  /** Reactivation (or a link): the login and email back, and so the teams its groups give it. */
  async activate(account: AccountRecord, login: string, email: string | undefined, also: AccountChange = {}): Promise<void> {
    const holder = await this.tx.accounts.byLogin(login)
    if (holder && holder.id !== account.id) {
      throw uniqueness(
        `the login '${login}' is now used by another account, so this user's account cannot be reactivated and stays suspended; ` +
          'rename the other account or change this userName',
      )
    }
    await this.tx.accounts.update(
      account.id,
      { ...also, state: 'active', suspendedAt: null, login, emails: email === undefined ? [] : [email] },
      this.now,
    )
    if (account.state !== 'active') {
      const joined = account.scimUserId ? await this.tx.teams.groupTeamCount(account.scimUserId) : 0
      await recordAccount(this.tx, account.id, 'unsuspended', { login, by: 'scim', joinedTeams: joined }, this.now)
    } else if (account.login !== login) {
      await recordAccount(this.tx, account.id, 'renamed', { from: account.login, to: login }, this.now)
    }
  }

  /** GitHub organization behaviour (`deprovisionPolicy: remove`): the member goes, the identity with it. */
  async removeMember(account: AccountRecord): Promise<void> {
    const groupTeams = account.scimUserId && account.state === 'active' ? await this.tx.teams.groupTeamCount(account.scimUserId) : 0
    await this.tx.accounts.update(account.id, { state: 'suspended', suspendedAt: this.now, scimUserId: null, scimManaged: false }, this.now)
    const revoked = await revokeAllCredentials(this.tx, account.id, revocationTime(this.now), 'removed')
    const leftTeams = groupTeams + (await this.tx.teams.accountLeftAllTeams(account.id))
    await recordAccount(this.tx, account.id, 'removed', { scimUserId: account.scimUserId, revokedCredentials: revoked, leftTeams }, this.now)
  }

  /**
   * Hard deprovisioning (`DELETE /Users/{id}`): anonymised for good. The row stays as a
   * tombstone so an application's references keep resolving; the login is free.
   */
  async hardDeprovision(scimUserId: string): Promise<void> {
    await this.tx.invitations.revokeFor(scimUserId)
    const account = await this.tx.accounts.byScimUser(scimUserId, true)
    if (!account) return
    await this.tx.accounts.update(
      account.id,
      { state: 'deleted', login: null, displayName: '', emails: [], roles: [], scimUserId: null, scimManaged: false, suspendedAt: account.suspendedAt ?? this.now },
      this.now,
    )
    const deleted = await this.tx.accounts.deleteCredentials(account.id)
    const groupTeams = account.state === 'active' ? await this.tx.teams.groupTeamCount(scimUserId) : 0
    const leftTeams = groupTeams + (await this.tx.teams.accountLeftAllTeams(account.id))
    await recordAccount(this.tx, account.id, 'deleted', { by: 'scim', deletedCredentials: deleted, leftTeams }, this.now)
  }
}

/**
 * When a revocation takes effect: now, read after the account's row lock was taken (so after
 * any credential made under that lock), and never before the write's own time.
 */
const revocationTime = (writeTime: string): string => new Date(Math.max(Date.now(), Date.parse(writeTime))).toISOString()

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i])

/** Whether `change` would alter `account`: Okta's unchanged PUTs then write nothing. */
function differs(account: AccountRecord, change: AccountChange): boolean {
  if (change.login !== undefined && change.login !== account.login) return true
  if (change.displayName !== undefined && change.displayName !== account.displayName) return true
  if (change.emails !== undefined && !sameList(change.emails, account.emails)) return true
  if (change.roles !== undefined && !sameList(change.roles, account.roles)) return true
  return false
}

import type { Tenant } from '../contract.js'
import { AccountQueries } from './account-queries.js'
import type { SqlDialect } from './dialect.js'
import { EventQueries } from './event-queries.js'
import { InvitationQueries } from './invitation-queries.js'
import { OutboxQueries } from './outbox-queries.js'
import { ProvisioningLogQueries } from './provisioning-log-queries.js'
import { TeamQueries } from './team-queries.js'

/** The queries of one tenant's application tables (accounts, teams, invitations, outbox). */
export class DomainQueries {
  readonly accounts: AccountQueries
  readonly teams: TeamQueries
  readonly invitations: InvitationQueries
  readonly outbox: OutboxQueries
  readonly provisioningLog: ProvisioningLogQueries
  readonly events: EventQueries

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.accounts = new AccountQueries(dialect, tenant)
    this.teams = new TeamQueries(dialect, tenant)
    this.invitations = new InvitationQueries(dialect, tenant)
    this.outbox = new OutboxQueries(dialect, tenant)
    this.provisioningLog = new ProvisioningLogQueries(dialect, tenant)
    this.events = new EventQueries(dialect, tenant)
  }
}


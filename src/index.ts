/**
 * The package entry (`import { createRoster } from 'roster'`): Roster inside a host
 * application (docs/library.md). Everything exported here is the public interface.
 */
export { createRoster } from './library/roster.js'
export type { EventHandler, EventSubscription, OnEventOptions, Roster, RosterOptions } from './library/roster.js'
export { RosterOptionError } from './library/options.js'
export { EVENT_TYPES } from './library/events.js'
export type {
  AccountEvent,
  EmailEvent,
  EventOfType,
  GroupEvent,
  ResourceState,
  RosterEvent,
  RosterEventType,
  TeamEvent,
  TeamState,
  UserEvent,
} from './library/events.js'
export type { ConsumerTiming } from './library/event-consumer.js'
export type { ConsumerPosition } from './store/sql/consumer-queries.js'
export type { ServerConfig } from './http/config.js'
export type { BackgroundConfig } from './provisioning/background.js'
export type { Log } from './provisioning/email/sender.js'
export type { MigrationResult, Store, Tenant, TenantKind } from './store/contract.js'
export type { EventRecord } from './store/records/event.js'
// Setting a host up: tenants, their SCIM tokens and admin tokens (what `roster tenant create`,
// `roster token create` and `roster admin-token create` do).
export { createTenant } from './provisioning/tenants.js'
export { issueToken } from './provisioning/tokens.js'
export { issueAdminToken } from './provisioning/admin-tokens.js'

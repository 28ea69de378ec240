/** Teams and their members, as the store keeps them (sql/team-queries.ts). */

export interface TeamRecord {
  readonly id: string
  readonly tenantId: string
  readonly name: string
  readonly description: string
  readonly parentId: string | null
  /** The SCIM group whose active members the team's membership follows. */
  readonly groupId: string | null
  readonly createdAt: string
  readonly updatedAt: string
  readonly reconciledAt: string | null
  readonly reconcileReport: ReconcileReport | null
}

/** What one reconciliation of a team found and changed. */
export interface ReconcileReport {
  readonly added: number
  readonly removed: number
  readonly batches: number
  readonly startedAt: string
  readonly finishedAt: string
}

export type TeamChange = Partial<Pick<TeamRecord, 'name' | 'description' | 'parentId' | 'groupId' | 'reconciledAt' | 'reconcileReport'>>

export type TeamMemberSource = 'manual' | 'group'

export interface TeamMemberRecord {
  readonly accountId: string
  readonly login: string | null
  readonly source: TeamMemberSource
  readonly addedAt: string
}

/** Teams and their members, as the store keeps them (sql/team-queries.ts). */

export interface TeamRecord {
  readonly id: string
  readonly tenantId: string
  readonly name: string
  readonly description: string
  readonly parentId: string | null
  /** The SCIM group whose active User members are the team's members (read, not stored). */
  readonly groupId: string | null
  /** When the team was linked to `groupId`. */
  readonly linkedAt: string | null
  readonly createdAt: string
  readonly updatedAt: string
  readonly reconciledAt: string | null
  readonly reconcileReport: ReconcileReport | null
}

/**
 * What the last link, unlink or reconciliation of a team changed in its membership: members
 * the group gave it (link) or took away (unlink), and rows removed (replaced by-hand members
 * on link; rows that should not exist, on reconciliation).
 */
export interface ReconcileReport {
  readonly added: number
  readonly removed: number
  readonly batches: number
  readonly startedAt: string
  readonly finishedAt: string
}

export type TeamChange = Partial<Pick<TeamRecord, 'name' | 'description' | 'parentId' | 'groupId' | 'linkedAt' | 'reconciledAt' | 'reconcileReport'>>

export type TeamMemberSource = 'manual' | 'group'

export interface TeamMemberRecord {
  readonly accountId: string
  readonly login: string | null
  readonly source: TeamMemberSource
  readonly addedAt: string
}

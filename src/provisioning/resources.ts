import { newId } from './ids.js'
import { invalidValue, notFound, preconditionFailed } from '../scim/errors.js'
import { evaluateElement } from '../scim/filter/evaluate.js'
import { parseFilter } from '../scim/filter/parse-filter.js'
import { applyPatch } from '../scim/patch/apply-patch.js'
import { splitMemberOperations, type MemberChange } from '../scim/patch/member-changes.js'
import { parsePatchOp, type PatchOperation } from '../scim/patch/patch-op.js'
import { coerceResource } from '../scim/schema/coerce.js'
import { checkImmutable } from '../scim/schema/immutable.js'
import type { ResourceSchema } from '../scim/schema/resource-schema.js'
import type { SearchRequest } from '../scim/messages/search-request.js'
import type {
  AfterInsert,
  ListQuery,
  ListResult,
  MemberPage,
  MemberPosition,
  NewResource,
  ResourceTypeId,
  StoredResource,
  TenantStore,
  TenantTransaction,
} from '../store/contract.js'
import type { CallContext } from './call.js'
import { hashPassword, isPasswordHash } from './password.js'
import { checkIfMatch } from './preconditions.js'
import { sameDocument } from './same-document.js'
import type { Derived } from './render.js'

type MemberInput = { value: string; type?: ResourceTypeId }

export interface Written {
  readonly resource: StoredResource
  readonly derived: Derived
  /**
   * What of the client's input the server corrected rather than refused, one note each, for
   * the request's log line (e.g. `member type corrected: <id> User (sent Group)`).
   */
  readonly tolerances?: readonly string[]
}

/** `written` with the notes, when there are any. */
const noted = (written: Written, tolerances: readonly string[]): Written =>
  tolerances.length === 0 ? written : { ...written, tolerances }

/** What the caller will show, so derived attributes are only loaded when they are returned. */
export interface DerivedWanted {
  readonly groups: boolean
  readonly members: boolean
}

const ALL: DerivedWanted = { groups: true, members: true }

/** How one write changed a group's direct User members (for teams linked to the group). */
export interface MemberDelta {
  readonly added: string[]
  readonly removed: string[]
  /** Every member was removed (before any `added`). */
  cleared: boolean
}

/**
 * What a tenant does beyond keeping SCIM resources (accounts, teams: accounts/lifecycle.ts).
 * Each hook runs in the transaction of the write, after the resource is written (before it is
 * deleted), so both commit together; an error thrown by a hook fails the whole write.
 */
export interface ResourceHooks {
  created(tx: TenantTransaction, resource: StoredResource, call: CallContext | undefined): Promise<void>
  /** `created` for several creates of one batch at once (PostgreSQL batches creates); `calls[i]` made `resources[i]`. */
  createdMany?(tx: TenantTransaction, resources: readonly StoredResource[], calls: readonly (CallContext | undefined)[]): Promise<void>
  /**
   * `before === after` when the write changed nothing. `remove`: the write deletes the resource
   * too (GitHub organization deprovisioning).
   */
  updated(tx: TenantTransaction, before: StoredResource, after: StoredResource, call: CallContext | undefined): Promise<'keep' | 'remove'>
  deleting(tx: TenantTransaction, resource: StoredResource, call: CallContext | undefined): Promise<void>
  membersChanged(tx: TenantTransaction, groupId: string, delta: MemberDelta, call: CallContext | undefined): Promise<void>
}

/** Hooks run one after the other, in order (the account lifecycle, then what records the write). */
export function allHooks(...hooks: ResourceHooks[]): ResourceHooks {
  if (hooks.length === 1) return hooks[0]!
  const manyOf = (h: ResourceHooks) =>
    h.createdMany?.bind(h) ??
    (async (tx: TenantTransaction, resources: readonly StoredResource[], calls: readonly (CallContext | undefined)[]) => {
      for (let i = 0; i < resources.length; i++) await h.created(tx, resources[i]!, calls[i])
    })
  return {
    async created(tx, resource, call) {
      for (const h of hooks) await h.created(tx, resource, call)
    },
    async createdMany(tx, resources, calls) {
      for (const h of hooks) await manyOf(h)(tx, resources, calls)
    },
    async updated(tx, before, after, call) {
      let outcome: 'keep' | 'remove' = 'keep'
      for (const h of hooks) if ((await h.updated(tx, before, after, call)) === 'remove') outcome = 'remove'
      return outcome
    },
    async deleting(tx, resource, call) {
      for (const h of hooks) await h.deleting(tx, resource, call)
    },
    async membersChanged(tx, groupId, delta, call) {
      for (const h of hooks) await h.membersChanged(tx, groupId, delta, call)
    },
  }
}

/**
 * One `many` per hooks object, so that the creates of a batch can share it; each create's own
 * `AfterInsert` carries its call as `context`.
 */
const manyByHooks = new WeakMap<ResourceHooks, NonNullable<AfterInsert['many']>>()

function afterInsertOf(hooks: ResourceHooks, call: CallContext | undefined): AfterInsert {
  let many = manyByHooks.get(hooks)
  if (many === undefined && hooks.createdMany) {
    many = (tx, batch) =>
      hooks.createdMany!(
        tx,
        batch.map((b) => b.inserted),
        batch.map((b) => b.after.context as CallContext | undefined),
      )
    manyByHooks.set(hooks, many)
  }
  const one = (tx: TenantTransaction, inserted: StoredResource) => hooks.created(tx, inserted, call)
  return many ? Object.assign(one, { many, context: call }) : one
}

/** The call as the hooks see it: with the write's tolerance notes, for the log entry written in its transaction. */
const withTolerances = (call: CallContext | undefined, tolerances: readonly string[]): CallContext | undefined =>
  call === undefined || tolerances.length === 0 ? call : { ...call, tolerances }

const newDelta = (): MemberDelta => ({ added: [], removed: [], cleared: false })
const changedMembers = (d: MemberDelta): boolean => d.cleared || d.added.length > 0 || d.removed.length > 0

/**
 * The provisioning rules for one resource type of one tenant: every write validates against
 * the schema and commits the document and its membership rows in one transaction.
 */
export class ResourceService {
  readonly #store: TenantStore
  readonly schema: ResourceSchema
  readonly #type: ResourceTypeId
  readonly #hooks: ResourceHooks | undefined

  constructor(store: TenantStore, schema: ResourceSchema, hooks?: ResourceHooks) {
    this.#store = store
    this.schema = schema
    this.#type = schema.type.id as ResourceTypeId
    this.#hooks = hooks
  }

  get isGroup(): boolean {
    return this.#type === 'Group'
  }

  async get(id: string, wanted: DerivedWanted = ALL): Promise<Written> {
    const resource = await this.#store.get(this.#type, id)
    if (!resource) throw this.#notFound(id)
    return { resource, derived: await this.#derive(this.#store, [resource], wanted).then((d) => d[0] ?? {}) }
  }

  /** A page of a group's members, for reads that stream a large group (ResourceReader.memberPage). */
  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.#store.memberPage(groupId, after, limit)
  }

  async create(body: unknown, wanted: DerivedWanted = ALL, call?: CallContext): Promise<Written> {
    const document = coerceResource(this.schema, body)
    const members = this.#takeMembers(document)
    const hashes = await prehashPasswords([document.password])
    this.#settlePassword(document, undefined, hashes)
    const now = new Date().toISOString()
    const id = newId()
    const resource: NewResource = { id, resourceType: this.#type, created: now, lastModified: now, document }
    const hooks = this.#hooks
    if (!members?.length) {
      // The commonest write (every user, most groups): nothing to check or derive, one insert.
      const derived: Derived = this.isGroup ? (wanted.members ? { members: [] } : {}) : wanted.groups ? { groups: [] } : {}
      if (hooks === undefined) return { resource: await this.#store.insert(resource), derived }
      return { resource: await this.#store.insert(resource, afterInsertOf(hooks, call)), derived }
    }
    return this.#store.transaction(async (tx) => {
      const tolerances: string[] = []
      await this.#checkMembers(tx, id, members, tolerances)
      const inserted = await tx.insert(resource)
      await tx.addMembers(id, members as { value: string; type: ResourceTypeId }[])
      const added = members.filter((m) => m.type === 'User').map((m) => m.value)
      const noting = withTolerances(call, tolerances)
      if (hooks) await hooks.created(tx, inserted, noting)
      if (hooks && added.length) await hooks.membersChanged(tx, id, { added, removed: [], cleared: false }, noting)
      return noted({ resource: inserted, derived: (await this.#derive(tx, [inserted], wanted))[0] ?? {} }, tolerances)
    })
  }

  /** RFC 7644 §3.5.1: PUT replaces every attribute the client may write. */
  async replace(id: string, body: unknown, ifMatch: string | undefined, wanted: DerivedWanted = ALL, call?: CallContext): Promise<Written> {
    const document = coerceResource(this.schema, body)
    const members = this.#takeMembers(document)
    const hashes = await prehashPasswords([document.password])
    return this.#store.transaction(async (tx) => {
      const tolerances: string[] = []
      const existing = await this.#load(tx, id, ifMatch)
      checkImmutable(this.schema, existing.document, document)
      this.#settlePassword(document, existing.document, hashes, true)
      let changed = !sameDocument(document, existing.document)
      const delta = newDelta()
      if (this.isGroup) {
        // GitHub: a PUT without members empties the group.
        const change: MemberChange = { kind: 'replace', members: members ?? [], index: 0 }
        changed = (await this.#applyMemberChange(tx, id, change, tolerances, delta)) || changed
      }
      // Okta pushes whole profiles with PUT, mostly unchanged: those keep version and lastModified.
      const resource = changed ? await this.#update(tx, existing, document) : existing
      await this.#afterUpdate(tx, existing, resource, delta, withTolerances(call, tolerances))
      return noted({ resource, derived: (await this.#derive(tx, [resource], wanted))[0] ?? {} }, tolerances)
    })
  }

  /** RFC 7644 §3.5.2: all operations apply, or none do. */
  async patch(id: string, body: unknown, ifMatch: string | undefined, wanted: DerivedWanted = ALL, call?: CallContext): Promise<Written> {
    const operations = parsePatchOp(body)
    const { documentOperations, memberChanges } = this.isGroup
      ? splitMemberOperations(this.schema, operations)
      : { documentOperations: operations, memberChanges: [] as MemberChange[] }
    const hashes = await prehashPasswords(passwordCandidates(documentOperations))
    return this.#store.transaction(async (tx) => {
      const tolerances: string[] = []
      const existing = await this.#load(tx, id, ifMatch)
      const patched = documentOperations.length ? applyPatch(this.schema, existing.document, documentOperations) : existing.document
      const document = coerceResource(this.schema, patched)
      this.#settlePassword(document, existing.document, hashes)
      let changed = !sameDocument(document, existing.document)
      const delta = newDelta()
      for (const change of memberChanges) {
        changed = (await this.#applyMemberChange(tx, id, change, tolerances, delta)) || changed
      }
      // RFC 7644 §3.5.2.1: a PATCH that changes nothing SHALL NOT change the modify timestamp.
      const resource = changed ? await this.#update(tx, existing, document) : existing
      await this.#afterUpdate(tx, existing, resource, delta, withTolerances(call, tolerances))
      return noted({ resource, derived: (await this.#derive(tx, [resource], wanted))[0] ?? {} }, tolerances)
    })
  }

  async delete(id: string, ifMatch: string | undefined, call?: CallContext): Promise<void> {
    await this.#store.transaction(async (tx) => {
      const existing = await this.#load(tx, id, ifMatch)
      await this.#hooks?.deleting(tx, existing, call)
      await tx.delete(this.#type, id)
    })
  }

  async search(request: SearchRequest, wanted: DerivedWanted = ALL): Promise<ListResult & { derived: Derived[] }> {
    // The store's SQL compiler runs checkFilter: unknown attributes and forbidden comparisons
    // are 400 invalidFilter there, at the boundary every store shares.
    const filter = request.filter === undefined ? undefined : parseFilter(request.filter)
    // A user's groups come with the page itself (ListQuery.groups): one query per lookup.
    const groups = !this.isGroup && wanted.groups
    // Assigned, not spread: conditional spreads cost a lookup measurably (it is on every one).
    const query: { -readonly [K in keyof ListQuery]: ListQuery[K] } = {
      startIndex: request.startIndex,
      count: request.count,
    }
    if (filter) query.filter = filter
    if (request.sortBy) {
      query.sortBy = request.sortBy
      query.sortOrder = request.sortOrder ?? 'ascending'
    }
    if (request.cursor !== undefined) query.cursor = request.cursor
    if (groups) query.groups = true
    const result = await this.#store.list(this.schema, query)
    const listed = result.groups
    if (groups && listed !== undefined) return { ...result, derived: listed.map((g) => ({ groups: g })) }
    return { ...result, derived: await this.#derive(this.#store, result.resources, wanted) }
  }

  #notFound(id: string) {
    return notFound(`${this.schema.type.name} ${id} not found`)
  }

  async #load(tx: TenantTransaction, id: string, ifMatch: string | undefined): Promise<StoredResource> {
    const existing = await tx.get(this.#type, id)
    if (!existing) throw this.#notFound(id)
    checkIfMatch(ifMatch, existing.version)
    return existing
  }

  async #update(tx: TenantTransaction, existing: StoredResource, document: Record<string, unknown>): Promise<StoredResource> {
    const updated = await tx.update(
      { id: existing.id, resourceType: this.#type, lastModified: new Date().toISOString(), document },
      existing.version,
    )
    // The row is locked by tx.get, so only a store bug gets here.
    if (!updated) throw preconditionFailed(`${this.schema.type.name} ${existing.id} changed during the request; retry`)
    return updated
  }

  /** The hooks' part of a PUT or PATCH: members a group gained or lost, a user's lifecycle. */
  async #afterUpdate(
    tx: TenantTransaction,
    before: StoredResource,
    after: StoredResource,
    delta: MemberDelta,
    call: CallContext | undefined,
  ): Promise<void> {
    const hooks = this.#hooks
    if (!hooks) return
    if (this.isGroup && changedMembers(delta)) await hooks.membersChanged(tx, after.id, delta, call)
    if ((await hooks.updated(tx, before, after, call)) === 'remove') await tx.delete(this.#type, after.id)
  }

  /** Group members live in the membership table, never in the stored document. */
  #takeMembers(document: Record<string, unknown>): MemberInput[] | undefined {
    if (!this.isGroup) return undefined
    const members = document.members as MemberInput[] | undefined
    delete document.members
    return members
  }

  /**
   * Members must exist. A `type` that disagrees with what the id is gets corrected, not refused:
   * the server knows what it is (a schema-driven conformance suite sends such members), and
   * the correction is noted in `tolerances`.
   */
  async #checkMembers(
    tx: TenantTransaction,
    groupId: string,
    members: MemberInput[],
    tolerances: string[],
  ): Promise<void> {
    const ids = [...new Set(members.map((m) => m.value))]
    if (ids.includes(groupId)) throw invalidValue('members: a group cannot be a member of itself')
    const found = await tx.existing(ids)
    const missing = ids.filter((v) => !found.has(v))
    if (missing.length) {
      const shown = missing.slice(0, 5).map((v) => `'${v}'`).join(', ')
      throw invalidValue(`members: no User or Group with id ${shown}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''}`)
    }
    for (const m of members) {
      const actual = found.get(m.value)!
      if (m.type && m.type !== actual) tolerances.push(`member type corrected: ${m.value} ${actual} (sent ${m.type})`)
      m.type = actual
    }
  }

  /** Applies one change to the membership table; says whether any row changed. */
  async #applyMemberChange(
    tx: TenantTransaction,
    groupId: string,
    change: MemberChange,
    tolerances: string[],
    delta: MemberDelta,
  ): Promise<boolean> {
    switch (change.kind) {
      case 'add': {
        const members = change.members.map((m) => ({ ...m }))
        await this.#checkMembers(tx, groupId, members, tolerances)
        for (const m of members) if (m.type === 'User') delta.added.push(m.value)
        return (await tx.addMembers(groupId, members as { value: string; type: ResourceTypeId }[])) > 0
      }
      case 'remove':
        delta.removed.push(...change.values)
        return (await tx.removeMembers(groupId, change.values)) > 0
      case 'removeAll': {
        const removed = await tx.clearMembers(groupId)
        if (removed > 0) {
          // What was added earlier in this PATCH went too.
          delta.cleared = true
          delta.added.length = 0
        }
        return removed > 0
      }
      case 'removeWhere': {
        const definition = this.schema.attribute('members')!.attribute
        const current = await tx.members(groupId)
        const doomed = current.filter((m) => evaluateElement(change.filter, m, definition)).map((m) => m.value)
        delta.removed.push(...doomed)
        return (await tx.removeMembers(groupId, doomed)) > 0
      }
      case 'replace': {
        const members = change.members.map((m) => ({ ...m }))
        await this.#checkMembers(tx, groupId, members, tolerances)
        // By difference: members kept keep their rows (and their place in the list), so a PUT
        // of an unchanged 100,000-member list writes nothing, and a streamed read running
        // meanwhile (group-stream.ts) does not lose the members it has not reached yet.
        const before = new Set((await tx.members(groupId)).map((m) => m.value))
        const after = new Set(members.map((m) => m.value))
        const gone = [...before].filter((v) => !after.has(v))
        const removed = await tx.removeMembers(groupId, gone)
        const fresh = (members as { value: string; type: ResourceTypeId }[]).filter((m) => !before.has(m.value))
        const added = await tx.addMembers(groupId, fresh)
        delta.removed.push(...gone)
        for (const m of fresh) if (m.type === 'User') delta.added.push(m.value)
        return removed + added > 0
      }
      default: {
        const never: never = change
        throw new TypeError(`unknown member change ${JSON.stringify(never)}`)
      }
    }
  }

  /**
   * RFC 7643 §4.1.1: only a hash of the password is kept. Hashes are computed before the
   * transaction (scrypt takes tens of milliseconds and SQLite transactions are serialised);
   * here the document's cleartext is swapped for its hash, or an unchanged hash kept.
   */
  #settlePassword(
    document: Record<string, unknown>,
    previous: Record<string, unknown> | undefined,
    hashes: ReadonlyMap<string, string>,
    keepWhenAbsent = false,
  ): void {
    const password = document.password
    if (password === undefined) {
      // A PUT that does not mention the password keeps it: clients cannot read it back.
      if (keepWhenAbsent && previous?.password !== undefined) document.password = previous.password
      return
    }
    if (password === previous?.password && isPasswordHash(password)) return
    if (typeof password !== 'string') throw invalidValue('password: expected a string')
    const hash = hashes.get(password)
    // Every way a request can carry a password is found by passwordCandidates; reaching this is a bug.
    if (hash === undefined) throw new TypeError('password was not hashed before the transaction')
    document.password = hash
  }

  async #derive(reader: Pick<TenantStore, 'groupsOf' | 'members'>, resources: StoredResource[], wanted: DerivedWanted): Promise<Derived[]> {
    if (this.isGroup) {
      if (!wanted.members) return resources.map(() => ({}))
      return Promise.all(resources.map(async (r) => ({ members: await reader.members(r.id) })))
    }
    if (!wanted.groups) return resources.map(() => ({}))
    const groups = await reader.groupsOf(resources.map((r) => r.id))
    return resources.map((r) => ({ groups: groups.get(r.id) ?? [] }))
  }
}

/** Cleartext passwords a PATCH may set: `path: password` values and `password` keys of path-less values. */
function passwordCandidates(operations: readonly PatchOperation[]): unknown[] {
  const found: unknown[] = []
  for (const op of operations) {
    const target = op.path?.attrPath
    if (target && target.name.toLowerCase() === 'password' && !target.subAttr) found.push(op.value)
    if (!op.path && op.value && typeof op.value === 'object') {
      for (const [key, value] of Object.entries(op.value)) {
        if (/(^|:)password$/i.test(key)) found.push(value)
      }
    }
  }
  return found
}

async function prehashPasswords(candidates: readonly unknown[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>()
  for (const c of candidates) {
    if (typeof c === 'string' && !hashes.has(c)) hashes.set(c, await hashPassword(c))
  }
  return hashes
}

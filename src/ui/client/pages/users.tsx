/**
 * Users of a tenant: the SCIM users its IdP provisioned, in a paged table. The search box looks
 * for the start of a userName, display name or email; the filter box takes any SCIM filter, and
 * a bad one is shown with the API's explanation and where in the filter it went wrong.
 */
import { useState } from 'preact/hooks'
import { ApiError, tenantPath, withQuery } from '../api.js'
import type { ScimUserSummary, Tenant } from '../types.js'
import { usePaged } from '../use-api.js'
import { Badge, Empty, ErrorNote, Link, Loading, Pager, Time } from '../ui.js'

type SortKey = 'userName' | 'displayName' | 'created' | 'lastModified'
type Order = 'ascending' | 'descending'

const COLUMNS: { key: SortKey | null; label: string }[] = [
  { key: 'userName', label: 'User name' },
  { key: 'displayName', label: 'Display name' },
  { key: null, label: 'Email' },
  { key: null, label: 'Status' },
  { key: 'lastModified', label: 'Last changed' },
]

/** A SCIM string literal (RFC 7644 §3.4.2.2 uses JSON strings). */
const literal = (text: string) => JSON.stringify(text)

export function searchFilter(text: string): string {
  const q = literal(text)
  return `userName sw ${q} or displayName sw ${q} or emails.value sw ${q}`
}

/** The filter with a marker under the position the API named, if it named one. */
export function FilterFault(props: { filter: string; error: ApiError }) {
  const at = /at position (\d+)/.exec(props.error.problem.detail)
  const position = at ? Number(at[1]) : undefined
  return (
    <div class="state error" role="alert">
      <p>
        <strong>This filter is not valid:</strong> {props.error.problem.detail}
      </p>
      {position !== undefined && position <= props.filter.length && (
        <pre class="filter-fault" aria-label={`The fault is at position ${position}`}>
          {props.filter}
          {'\n'}
          {' '.repeat(position)}^
        </pre>
      )}
    </div>
  )
}

export function Users(props: { tenant: Tenant }) {
  const [search, setSearch] = useState('')
  const [filterText, setFilterText] = useState('')
  const [applied, setApplied] = useState<{ mode: 'search' | 'filter'; text: string }>({ mode: 'search', text: '' })
  const [sort, setSort] = useState<{ key: SortKey; order: Order } | undefined>(undefined)

  const filter = applied.text === '' ? undefined : applied.mode === 'search' ? searchFilter(applied.text) : applied.text
  const path = withQuery(`${tenantPath(props.tenant.key)}/scim-users`, { filter, sortBy: sort?.key, sortOrder: sort?.order })
  const list = usePaged<ScimUserSummary>(path, 25)
  const { loaded } = list

  const toggleSort = (key: SortKey) =>
    setSort((s) => (s?.key === key ? { key, order: s.order === 'ascending' ? 'descending' : 'ascending' } : { key, order: 'ascending' }))

  const badFilter = loaded.state === 'error' && loaded.error instanceof ApiError && loaded.error.kind === 'invalid-filter'

  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <div class="finders">
        <form
          role="search"
          aria-label="Search users"
          onSubmit={(e) => {
            e.preventDefault()
            setApplied({ mode: 'search', text: search.trim() })
          }}
        >
          <label for="user-search">Search</label>
          <div class="row">
            <input id="user-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} aria-describedby="user-search-hint" />
            <button type="submit">Search</button>
          </div>
          <p class="hint" id="user-search-hint">
            The start of a user name, display name or email.
          </p>
        </form>
        <form
          aria-label="Filter users with SCIM"
          onSubmit={(e) => {
            e.preventDefault()
            setApplied({ mode: 'filter', text: filterText.trim() })
          }}
        >
          <label for="user-filter">SCIM filter</label>
          <div class="row">
            <input id="user-filter" class="mono" value={filterText} onInput={(e) => setFilterText((e.target as HTMLInputElement).value)} aria-describedby="user-filter-hint" spellcheck={false} />
            <button type="submit">Apply filter</button>
          </div>
          <p class="hint" id="user-filter-hint">
            For experts, as an IdP would send it: <code>userName eq "ada@example.com"</code>, <code>active eq false</code>,{' '}
            <code>name.familyName sw "L" and active eq true</code>.
          </p>
        </form>
      </div>
      {loaded.state === 'loading' && <Loading what="users" />}
      {badFilter && <FilterFault filter={applied.text} error={loaded.error as ApiError} />}
      {loaded.state === 'error' && !badFilter && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && (
        <Empty>{filter ? 'No user matches.' : 'No users yet. Once the IdP provisions users through SCIM, they appear here.'}</Empty>
      )}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Users{filter ? `, filtered by ${filter}` : ''}</caption>
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.label} scope="col" aria-sort={c.key && sort?.key === c.key ? sort.order : undefined}>
                    {c.key ? (
                      <button type="button" class="sort" onClick={() => toggleSort(c.key!)}>
                        {c.label}
                        <span aria-hidden="true">{sort?.key === c.key ? (sort.order === 'ascending' ? ' ▲' : ' ▼') : ''}</span>
                      </button>
                    ) : (
                      c.label
                    )}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((u) => (
                <tr key={u.id}>
                  <th scope="row">
                    <Link href={`/tenants/${encodeURIComponent(props.tenant.key)}/users/${encodeURIComponent(u.id)}`}>{u.userName}</Link>
                  </th>
                  <td>{u.displayName ?? <span class="muted">—</span>}</td>
                  <td>{u.email ?? <span class="muted">—</span>}</td>
                  <td>{u.active ? <Badge tone="ok">active</Badge> : <Badge tone="warn">inactive</Badge>}</td>
                  <td>
                    <Time at={u.lastModified} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="Users" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

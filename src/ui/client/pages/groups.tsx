/**
 * Groups of a tenant: the SCIM groups its IdP pushed, in a paged table. The search box looks for
 * the start of a display name; the filter box takes any SCIM filter, and a bad one is shown with
 * the API's explanation and where in the filter it went wrong (as on the users page).
 */
import { useState } from 'preact/hooks'
import { ApiError, tenantPath, withQuery } from '../api.js'
import type { ScimGroupSummary, Tenant } from '../types.js'
import { usePaged } from '../use-api.js'
import { Empty, ErrorNote, Link, Loading, Pager, Time } from '../ui.js'
import { tenantHref } from './hrefs.js'
import { FilterFault } from './users.js'

type Order = 'ascending' | 'descending'

export function Groups(props: { tenant: Tenant }) {
  const [search, setSearch] = useState('')
  const [filterText, setFilterText] = useState('')
  const [applied, setApplied] = useState<{ mode: 'search' | 'filter'; text: string }>({ mode: 'search', text: '' })
  const [order, setOrder] = useState<Order | undefined>(undefined)

  const filter = applied.text === '' ? undefined : applied.mode === 'search' ? `displayName sw ${JSON.stringify(applied.text)}` : applied.text
  const path = withQuery(`${tenantPath(props.tenant.key)}/scim-groups`, { filter, sortBy: order && 'displayName', sortOrder: order })
  const list = usePaged<ScimGroupSummary>(path, 25)
  const { loaded } = list
  const badFilter = loaded.state === 'error' && loaded.error instanceof ApiError && loaded.error.kind === 'invalid-filter'

  return (
    <section aria-labelledby="groups-heading">
      <h2 id="groups-heading">Groups</h2>
      <div class="finders">
        <form
          role="search"
          aria-label="Search groups"
          onSubmit={(e) => {
            e.preventDefault()
            setApplied({ mode: 'search', text: search.trim() })
          }}
        >
          <label for="group-search">Search</label>
          <div class="row">
            <input id="group-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} aria-describedby="group-search-hint" />
            <button type="submit">Search</button>
          </div>
          <p class="hint" id="group-search-hint">
            The start of a group's display name.
          </p>
        </form>
        <form
          aria-label="Filter groups with SCIM"
          onSubmit={(e) => {
            e.preventDefault()
            setApplied({ mode: 'filter', text: filterText.trim() })
          }}
        >
          <label for="group-filter">SCIM filter</label>
          <div class="row">
            <input id="group-filter" class="mono" value={filterText} onInput={(e) => setFilterText((e.target as HTMLInputElement).value)} aria-describedby="group-filter-hint" spellcheck={false} />
            <button type="submit">Apply filter</button>
          </div>
          <p class="hint" id="group-filter-hint">
            For experts, as an IdP would send it: <code>displayName eq "Engineering"</code>, <code>externalId pr</code>.
          </p>
        </form>
      </div>
      {loaded.state === 'loading' && <Loading what="groups" />}
      {badFilter && <FilterFault filter={applied.text} error={loaded.error as ApiError} />}
      {loaded.state === 'error' && !badFilter && <ErrorNote error={loaded.error} retry={list.reload} />}
      {loaded.state === 'ready' && loaded.data.items.length === 0 && (
        <Empty>{filter ? 'No group matches.' : 'No groups yet. Once the IdP pushes groups through SCIM, they appear here.'}</Empty>
      )}
      {loaded.state === 'ready' && loaded.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Groups{filter ? `, filtered by ${filter}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col" aria-sort={order}>
                  <button type="button" class="sort" onClick={() => setOrder((o) => (o === 'ascending' ? 'descending' : 'ascending'))}>
                    Display name
                    <span aria-hidden="true">{order ? (order === 'ascending' ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
                <th scope="col">External id</th>
                <th scope="col">Last changed</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((g) => (
                <tr key={g.id}>
                  <th scope="row">
                    <Link href={tenantHref(props.tenant.key, `/groups/${encodeURIComponent(g.id)}`)}>{g.displayName || g.id}</Link>
                  </th>
                  <td class="mono">{g.externalId ?? <span class="muted">—</span>}</td>
                  <td>
                    <Time at={g.lastModified} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(list.hasNext || list.hasPrev) && <Pager label="Groups" page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} prev={list.prev} next={list.next} />}
    </section>
  )
}

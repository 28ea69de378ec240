/**
 * One entry of the provisioning log with everything recorded about the call: for a failure,
 * first what went wrong in plain language (what the IdP sent, why it was refused, what to
 * change); then the request, the client and token, the tolerances applied, and the changes as a
 * before/after table, with links to the user and to the entries of the same request.
 */
import { tenantPath } from '../api.js'
import type { LogEntryDetail, Tenant } from '../types.js'
import { useGet } from '../use-api.js'
import { Empty, ErrorNote, Link, Loading } from '../ui.js'
import { logHref } from './log.js'
import { Diff, LogTime, shortPath, StatusBadge } from './log-parts.js'
import { clientName } from './tenants.js'

const SIDES = {
  idp: 'To fix in the identity provider',
  roster: 'To fix in Roster',
  retry: 'Usually fixes itself',
} as const

function Explanation(props: { entry: LogEntryDetail }) {
  const x = props.entry.explanation
  if (!x) return null
  return (
    <section aria-labelledby="explain-heading" class="panel explain">
      <h3 id="explain-heading">
        Why it failed: {x.title} <span class="muted small">· {SIDES[x.side]}</span>
      </h3>
      <dl class="explain-list">
        <dt>What was sent</dt>
        <dd>{x.sent}</dd>
        <dt>Why Roster refused it</dt>
        <dd>{x.why}</dd>
        <dt>What to change</dt>
        <dd>{x.fix}</dd>
      </dl>
      {props.entry.detail && (
        <p class="muted small">
          The server said: <span class="mono">{[props.entry.scimType, props.entry.detail].filter(Boolean).join(': ')}</span>
        </p>
      )}
    </section>
  )
}

function ResourceLink(props: { tenant: Tenant; entry: LogEntryDetail }) {
  const e = props.entry
  const key = encodeURIComponent(props.tenant.key)
  if (e.resourceType === null) return <span class="muted">none named</span>
  const label = `${e.resourceType}${e.userName ? ` ${e.userName}` : ''}`
  if (e.resourceId === null) return <span>{label} (not created)</span>
  const deleted = e.method === 'DELETE' && e.status < 300
  return (
    <>
      {deleted ? <span>{label} (deleted by this call)</span> : <Link href={`/tenants/${key}/${e.resourceType === 'User' ? 'users' : 'groups'}/${encodeURIComponent(e.resourceId)}`}>{label}</Link>}{' '}
      <span class="mono small break">{e.resourceId}</span> ·{' '}
      <Link href={logHref(props.tenant.key, { resourceId: e.resourceId })}>all its entries</Link>
    </>
  )
}

export function LogEntryPage(props: { tenant: Tenant; seq: string }) {
  const { tenant } = props
  const valid = /^\d+$/.test(props.seq)
  const got = useGet<LogEntryDetail>(valid ? `${tenantPath(tenant.key)}/provisioning-log/${props.seq}` : null)
  const back = (
    <p class="breadcrumb">
      <Link href={logHref(tenant.key)}>Provisioning log</Link> /
    </p>
  )
  if (!valid) {
    return (
      <>
        {back}
        <ErrorNote error={new Error(`'${props.seq}' is not an entry number.`)} />
      </>
    )
  }
  if (got.state === 'loading') return <>{back}<Loading what="the entry" /></>
  if (got.state === 'error') return <>{back}<ErrorNote error={got.error} retry={got.reload} /></>
  const e = got.data
  return (
    <>
      {back}
      <h2 class="entry-title">
        <span class="mono">
          {e.method} {shortPath(e.path, tenant.scimBasePath)}
        </span>{' '}
        <StatusBadge status={e.status} />
      </h2>
      <Explanation entry={e} />
      <section aria-labelledby="request-heading" class="panel">
        <h3 id="request-heading">The call</h3>
        <dl class="facts call-facts">
          <dt>When</dt>
          <dd>
            <LogTime at={e.at} /> <span class="muted small">({e.at})</span>
          </dd>
          <dt>Method</dt>
          <dd class="mono">{e.method}</dd>
          <dt>Path</dt>
          <dd class="mono break">{e.path}</dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={e.status} />
          </dd>
          <dt>scimType</dt>
          <dd>{e.scimType ?? <span class="muted">—</span>}</dd>
          <dt>Detail</dt>
          <dd>{e.detail ?? <span class="muted">—</span>}</dd>
          <dt>Resource</dt>
          <dd>
            <ResourceLink tenant={tenant} entry={e} />
          </dd>
          <dt>Client</dt>
          <dd>
            {clientName(e.client)} <span class="muted small">(detected)</span>
          </dd>
          <dt>User-Agent</dt>
          <dd class="mono small break">{e.userAgent ?? <span class="muted">—</span>}</dd>
          <dt>Token</dt>
          <dd>{e.tokenName ?? <span class="muted">—</span>}</dd>
          <dt>Request id</dt>
          <dd>
            <span class="mono break">{e.requestId}</span> · <Link href={logHref(tenant.key, { requestId: e.requestId })}>entries of this request</Link>
          </dd>
          {e.bulkIndex !== null && (
            <>
              <dt>Bulk operation</dt>
              <dd>
                #{e.bulkIndex}
                {e.bulkId && <span class="mono"> (bulkId {e.bulkId})</span>}
              </dd>
            </>
          )}
          <dt>Duration</dt>
          <dd>{e.durationMs.toFixed(1)} ms</dd>
          <dt>Entry</dt>
          <dd class="mono">{e.seq}</dd>
        </dl>
      </section>
      <section aria-labelledby="tolerances-heading" class="panel">
        <h3 id="tolerances-heading">Tolerance rules applied</h3>
        {e.tolerances && e.tolerances.length > 0 ? (
          <>
            <p class="hint">What of the request Roster corrected rather than refused.</p>
            <ul>
              {e.tolerances.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ul>
          </>
        ) : (
          <Empty>None: Roster took the request as it was sent.</Empty>
        )}
      </section>
      <section aria-labelledby="changes-heading" class="panel">
        <h3 id="changes-heading">Changes</h3>
        {e.changes === null ? (
          <Empty>{e.status >= 400 ? 'Nothing changed: the call failed.' : 'A read: nothing changed.'}</Empty>
        ) : e.changes.length === 0 ? (
          <Empty>The write changed nothing (the values sent were the ones stored).</Empty>
        ) : (
          <div class="table-wrap">
            <Diff changes={e.changes} full caption="Attributes before and after the call" />
          </div>
        )}
      </section>
    </>
  )
}

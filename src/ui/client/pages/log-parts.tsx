/**
 * Pieces of the provisioning log that several pages show: the status badge, the time to the
 * second, the path below the tenant's SCIM base, and an entry's changes as a before/after table.
 */
import type { LogChange } from '../types.js'
import { Badge } from '../ui.js'

/** A value as the diff shows it: strings as they are, the rest as JSON. */
export const show = (value: unknown): string => (value === undefined ? '(absent)' : typeof value === 'string' ? value : JSON.stringify(value, null, 1))

export function StatusBadge(props: { status: number }) {
  const s = props.status
  return <Badge tone={s < 300 ? 'ok' : s < 500 ? 'warn' : 'bad'}>{s}</Badge>
}

const precise = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })

/** A log time to the second: entries a second apart must read apart. */
export function LogTime(props: { at: string }) {
  return <time dateTime={props.at}>{precise.format(new Date(props.at))}</time>
}

/** `path` below the tenant's SCIM base path, which every entry would repeat. */
export const shortPath = (path: string, base: string) => (base !== '' && path.startsWith(`${base}/`) ? path.slice(base.length) : path)

function Members(props: { change: LogChange; full: boolean }) {
  const c = props.change
  const list = (ids: string[] | undefined, count: number | undefined, verb: string) =>
    ids && ids.length > 0 ? (
      <p>
        {verb} {count ?? ids.length}
        {props.full && (
          <>
            : <span class="mono">{ids.join(', ')}</span>
            {count !== undefined && count > ids.length && ` (the first ${ids.length} listed)`}
          </>
        )}
      </p>
    ) : null
  return (
    <td colSpan={2}>
      {c.cleared && <p>All members removed first.</p>}
      {list(c.added, c.addedCount, 'Added')}
      {list(c.removed, c.removedCount, 'Removed')}
    </td>
  )
}

/** The attributes a write changed, before and after; `full` lists the member ids too. */
export function Diff(props: { changes: LogChange[]; full?: boolean; caption?: string }) {
  return (
    <table class="diff">
      <caption class={props.caption ? undefined : 'visually-hidden'}>{props.caption ?? 'Changes'}</caption>
      <thead>
        <tr>
          <th scope="col">Attribute</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {props.changes.map((c, i) => (
          <tr key={`${c.attribute}-${i}`}>
            <th scope="row" class="mono">
              {c.attribute}
            </th>
            {c.added || c.removed || c.cleared ? (
              <Members change={c} full={props.full ?? false} />
            ) : (
              <>
                <td class="before mono pre">
                  <span class="visually-hidden">before: </span>
                  {show(c.before)}
                </td>
                <td class="after mono pre">
                  <span class="visually-hidden">after: </span>
                  {show(c.after)}
                </td>
              </>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

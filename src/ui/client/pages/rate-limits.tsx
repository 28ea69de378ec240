/**
 * The rate limits part of the tenant settings form: the server's limits, a profile, or the
 * tenant's own budgets per SCIM token and per tenant. Numbers are sent as typed, so the API's
 * precise refusal (which field, what range) is what the form shows.
 */
import type { RateBudget, RateLimits } from '../types.js'

export const PROFILES: { value: RateLimits['profile']; label: string }[] = [
  { value: 'server', label: "The server's limits (its environment)" },
  { value: 'default', label: 'Default: 25,000 a second per token, 50,000 per tenant' },
  { value: 'github', label: "GitHub's: 5,000 an hour per token, 15,000 per tenant" },
  { value: 'off', label: 'No limits' },
  { value: 'custom', label: 'Budgets of its own' },
]

/** One budget as the form holds it: text fields, as typed. */
export interface BudgetDraft {
  limited: boolean
  requests: string
  per: RateBudget['per']
  burst: string
}

export interface RateLimitsDraft {
  profile: RateLimits['profile']
  token: BudgetDraft
  tenant: BudgetDraft
}

/** null: saved as unlimited; undefined: not custom yet, so a budget to start from. */
const draftOf = (b: RateBudget | null | undefined, fallback: string): BudgetDraft =>
  b ? { limited: true, requests: String(b.requests), per: b.per, burst: b.burst === undefined ? '' : String(b.burst) } : { limited: b === undefined, requests: fallback, per: 'second', burst: '' }

export const rateLimitsDraft = (r: RateLimits): RateLimitsDraft => ({
  profile: r.profile,
  token: draftOf(r.token, '1000'),
  tenant: draftOf(r.tenant, '2000'),
})

const number = (text: string): number | string => (/^\s*\d+\s*$/.test(text) ? Number(text) : text)

/** What the PATCH sends: budgets only with `custom` (the API refuses them otherwise). */
export function rateLimitsBody(d: RateLimitsDraft): RateLimits {
  if (d.profile !== 'custom') return { profile: d.profile }
  const budget = (b: BudgetDraft) =>
    b.limited ? ({ requests: number(b.requests), per: b.per, ...(b.burst.trim() && { burst: number(b.burst) }) } as RateBudget) : null
  return { profile: 'custom', token: budget(d.token), tenant: budget(d.tenant) }
}

function Budget(props: { id: 'token' | 'tenant'; legend: string; draft: BudgetDraft; onChange: (b: BudgetDraft) => void }) {
  const { id, draft } = props
  const set = (change: Partial<BudgetDraft>) => props.onChange({ ...draft, ...change })
  return (
    <fieldset class="budget">
      <legend>{props.legend}</legend>
      <div class="field checkbox">
        <input id={`rl-${id}-limited`} type="checkbox" checked={draft.limited} onChange={(e) => set({ limited: (e.target as HTMLInputElement).checked })} />
        <label for={`rl-${id}-limited`}>Limit</label>
      </div>
      {draft.limited && (
        <div class="budget-fields">
          <div class="field">
            <label for={`rl-${id}-requests`}>Requests</label>
            <input id={`rl-${id}-requests`} inputMode="numeric" value={draft.requests} onInput={(e) => set({ requests: (e.target as HTMLInputElement).value })} />
          </div>
          <div class="field">
            <label for={`rl-${id}-per`}>Per</label>
            <select id={`rl-${id}-per`} value={draft.per} onChange={(e) => set({ per: (e.target as HTMLSelectElement).value as RateBudget['per'] })}>
              <option value="second">second</option>
              <option value="minute">minute</option>
              <option value="hour">hour</option>
            </select>
          </div>
          <div class="field">
            <label for={`rl-${id}-burst`}>Burst (optional)</label>
            <input
              id={`rl-${id}-burst`}
              inputMode="numeric"
              value={draft.burst}
              onInput={(e) => set({ burst: (e.target as HTMLInputElement).value })}
              aria-describedby={`rl-${id}-burst-hint`}
            />
            <p class="hint" id={`rl-${id}-burst-hint`}>
              At most this many at once; empty: the requests of one period.
            </p>
          </div>
        </div>
      )}
    </fieldset>
  )
}

export function RateLimitFields(props: { draft: RateLimitsDraft; onChange: (d: RateLimitsDraft) => void }) {
  const { draft } = props
  return (
    <fieldset class="rate-limits">
      <legend>SCIM rate limits</legend>
      <div class="field">
        <label for="rl-profile">Limits</label>
        <select
          id="rl-profile"
          value={draft.profile}
          onChange={(e) => props.onChange({ ...draft, profile: (e.target as HTMLSelectElement).value as RateLimits['profile'] })}
          aria-describedby="rl-profile-hint"
        >
          {PROFILES.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
        <p class="hint" id="rl-profile-hint">
          Over its budget, a SCIM call is answered 429 with Retry-After. The IdP waits and tries again.
        </p>
      </div>
      {draft.profile === 'custom' && (
        <>
          <Budget id="token" legend="Per SCIM token" draft={draft.token} onChange={(token) => props.onChange({ ...draft, token })} />
          <Budget id="tenant" legend="Per tenant (all its tokens together)" draft={draft.tenant} onChange={(tenant) => props.onChange({ ...draft, tenant })} />
        </>
      )}
    </fieldset>
  )
}

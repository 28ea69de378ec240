/**
 * "Test the connection" on the connect page: the calls Entra ID or Okta makes on its own
 * "Test connection" and first sync, run by the server against this tenant as a dry run
 * (POST /tenants/{t}/connection-test), shown step by step with request, status and result.
 */
import { useState } from 'preact/hooks'
import { api, tenantPath } from '../api.js'
import type { ConnectionTestReport, ConnectionTestStep, Tenant } from '../types.js'
import { Badge, ErrorNote, Field } from '../ui.js'

const IDPS = [
  { id: 'entra', name: 'Entra ID' },
  { id: 'okta', name: 'Okta' },
] as const

const TONE = { passed: 'ok', failed: 'bad', skipped: 'neutral' } as const

function Step(props: { step: ConnectionTestStep; index: number }) {
  const { step } = props
  return (
    <li class={`test-step ${step.outcome}`}>
      <div class="test-step-head">
        <Badge tone={TONE[step.outcome]}>{step.outcome}</Badge> <strong>{step.name}</strong>
      </div>
      <p class="mono test-request">
        {step.method} {step.path}
      </p>
      <p>
        {step.status !== null && (
          <>
            Answered <strong>{step.status}</strong>
            {step.status !== step.expectedStatus && <> (expected {step.expectedStatus})</>}.{' '}
          </>
        )}
        {step.result.charAt(0).toUpperCase() + step.result.slice(1)}.
      </p>
      {step.error && (
        <div class="scim-error">
          <p>
            <strong>SCIM error {step.error.status}</strong>
            {step.error.scimType && (
              <>
                {' '}
                (<code>{step.error.scimType}</code>)
              </>
            )}
            : {step.error.detail}
          </p>
        </div>
      )}
      {step.requestBody !== undefined && (
        <details>
          <summary>Request body of step {props.index + 1}</summary>
          {/* Focusable: a long body scrolls, and keyboard users must be able to scroll it. */}
          <pre class="mono" tabIndex={0} aria-label={`Request body of step ${props.index + 1}`}>
            {JSON.stringify(step.requestBody, null, 2)}
          </pre>
        </details>
      )}
    </li>
  )
}

function Summary(props: { report: ConnectionTestReport }) {
  const { report } = props
  const failed = report.steps.find((s) => s.outcome === 'failed')
  const idp = IDPS.find((i) => i.id === report.idp)?.name ?? report.idp
  return (
    <p class={`test-summary ${report.ok ? 'ok' : 'bad'}`}>
      {report.ok
        ? `All ${report.steps.length} calls ${idp} makes passed.`
        : `${idp} would fail at step ${report.steps.indexOf(failed!) + 1}, “${failed?.name}”.`}{' '}
      Nothing was kept: the test ran in a transaction that was rolled back.
    </p>
  )
}

export function ConnectionTest(props: { tenant: Tenant }) {
  const [idp, setIdp] = useState<'entra' | 'okta'>('entra')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [report, setReport] = useState<ConnectionTestReport | undefined>(undefined)
  const run = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    setReport(undefined)
    try {
      setReport(await api<ConnectionTestReport>('POST', `${tenantPath(props.tenant.key)}/connection-test`, { idp }))
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="connection-test-heading" class="panel">
      <h2 id="connection-test-heading">Test the connection</h2>
      <p>
        Runs the calls the IdP makes when you select Test Connection and on its first sync — discovery, a search, creating,
        reading and updating a user and a group, deactivation and deletion — against this tenant, shaped as that IdP sends
        them. It is a dry run: no user, group, account, log entry, event, email or webhook is kept, and no token is needed.
      </p>
      <form onSubmit={run} class="inline-form">
        <Field id="connection-test-idp" label="Test as">
          <select id="connection-test-idp" value={idp} onChange={(e) => setIdp((e.target as HTMLSelectElement).value as 'entra' | 'okta')}>
            {IDPS.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Testing…' : 'Run the test'}
        </button>
      </form>
      <div role="status" aria-live="polite">
        {busy && <p class="state loading">Running the test…</p>}
        {report && <Summary report={report} />}
      </div>
      {error !== undefined && <ErrorNote error={error} title="Could not run the test" />}
      {!busy && !report && error === undefined && <p class="muted small">No test run yet.</p>}
      {report && (
        <ol class="test-steps" aria-label="Steps of the connection test">
          {report.steps.map((s, i) => (
            <Step key={`${i}-${s.name}`} step={s} index={i} />
          ))}
        </ol>
      )}
    </section>
  )
}

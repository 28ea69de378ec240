/** Sign in: an admin token is exchanged for a session cookie (the token is not kept by the page). */
import { useState } from 'preact/hooks'
import { api } from '../api.js'
import { ThemeToggle, useFocusHeading } from '../layout.js'
import type { Session } from '../types.js'
import { ErrorNote } from '../ui.js'

export function SignIn(props: { onSignedIn: (session: Session) => void; ended?: boolean }) {
  const heading = useFocusHeading('Sign in')
  const [token, setToken] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const session = await api<Session>('POST', '/session', { token: token.trim() })
      setToken('')
      props.onSignedIn(session)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <div class="card">
        <div class="card-head">
          <h1 ref={heading} tabIndex={-1}>
            Sign in to Roster
          </h1>
          <ThemeToggle />
        </div>
        {props.ended && <p class="notice" role="status">Your session has ended. Sign in again to continue.</p>}
        <form onSubmit={submit} noValidate>
          <div class="field">
            <label for="admin-token">Admin token</label>
            <input
              id="admin-token"
              name="token"
              type="password"
              autoComplete="off"
              spellcheck={false}
              required
              value={token}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
              aria-describedby="admin-token-hint"
              aria-invalid={error !== undefined}
            />
            <p class="hint" id="admin-token-hint">
              It starts with <code>roster_admin_</code>. The page exchanges it for a session and does not keep it.
            </p>
          </div>
          {error !== undefined && <ErrorNote error={error} title="Could not sign in" />}
          <button type="submit" disabled={busy || token.trim() === ''}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <section aria-labelledby="how-heading" class="how">
          <h2 id="how-heading">How do I get an admin token?</h2>
          <p>On the machine that runs Roster, with the same database settings as the server:</p>
          <pre>
            <code>roster admin-token create --instance</code>
          </pre>
          <p>
            For one tenant only, use <code>--org &lt;slug&gt;</code> or <code>--enterprise &lt;slug&gt;</code> instead of{' '}
            <code>--instance</code>. The token is printed once; store it in a password manager. A session lasts 12 hours at most and ends
            after 30 minutes without use, or when the token is revoked.
          </p>
        </section>
      </div>
    </main>
  )
}

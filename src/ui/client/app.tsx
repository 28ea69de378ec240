/** The app: finds out whether a session exists, then shows the sign-in page or the page the path names. */
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, onSessionEnded, setCsrfToken } from './api.js'
import { Layout, useFocusHeading } from './layout.js'
import { Connect } from './pages/connect.js'
import { Events } from './pages/events.js'
import { LogPageView } from './pages/log.js'
import { LogEntryPage } from './pages/log-entry.js'
import { SignIn } from './pages/sign-in.js'
import { SettingsForm, TenantFrame } from './pages/tenant.js'
import { Tenants } from './pages/tenants.js'
import { UserPage } from './pages/user.js'
import { Users } from './pages/users.js'
import { GroupsTabPage } from './pages/groups-routes.js'
import { WebhookPage } from './pages/webhook.js'
import { Webhooks } from './pages/webhooks.js'
import { navigate, segment, useLocation } from './router.js'
import type { Session } from './types.js'
import { ErrorNote, Link, Loading } from './ui.js'

type State = { phase: 'checking' } | { phase: 'signed-out'; ended: boolean } | { phase: 'signed-in'; session: Session } | { phase: 'error'; error: unknown }

function NotFound() {
  const heading = useFocusHeading('Not found')
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        Page not found
      </h1>
      <p>
        There is no such page. <Link href="/tenants">Go to the tenants</Link>.
      </p>
    </>
  )
}

function Page(props: { path: string; session: Session }) {
  const { path, session } = props
  if (path === '/' || path === '/sign-in' || path === '/tenants') return <Tenants session={session} />
  const g = /^\/tenants\/([^/]+)\/(groups|teams|outbox)(?:\/([^/]+))?$/.exec(path)
  if (g) return <GroupsTabPage tenantKey={segment(g[1])} tab={g[2] as 'groups' | 'teams' | 'outbox'} id={g[3] === undefined ? undefined : segment(g[3])} />
  const hooks = /^\/tenants\/([^/]+)\/(webhooks|events)(?:\/([^/]+))?$/.exec(path)
  if (hooks && !(hooks[2] === 'events' && hooks[3] !== undefined)) {
    const key = segment(hooks[1])
    if (hooks[2] === 'events') return <TenantFrame tenantKey={key} tab="events" title="Events">{(t) => <Events tenant={t} />}</TenantFrame>
    const id = hooks[3] === undefined ? undefined : segment(hooks[3])
    if (id !== undefined) return <TenantFrame tenantKey={key} tab="webhooks" title="Webhook endpoint">{(t) => <WebhookPage tenant={t} id={id} />}</TenantFrame>
    return <TenantFrame tenantKey={key} tab="webhooks" title="Webhooks">{(t) => <Webhooks tenant={t} />}</TenantFrame>
  }
  const log = /^\/tenants\/([^/]+)\/log(?:\/([^/]+))?$/.exec(path)
  if (log && log[2] !== undefined) {
    const seq = segment(log[2])
    return <TenantFrame tenantKey={segment(log[1])} tab="log" title={`Log entry ${seq}`}>{(t) => <LogEntryPage tenant={t} seq={seq} />}</TenantFrame>
  }
  if (log) return <TenantFrame tenantKey={segment(log[1])} tab="log" title="Provisioning log">{(t) => <LogPageView tenant={t} />}</TenantFrame>
  const m = /^\/tenants\/([^/]+)(?:\/(connect|users)(?:\/([^/]+))?)?$/.exec(path)
  if (!m || (m[3] !== undefined && m[2] !== 'users')) return <NotFound />
  const key = segment(m[1])
  const tab = m[2] as 'connect' | 'users' | undefined
  if (tab === 'connect') return <TenantFrame tenantKey={key} tab="connect" title="Connect an IdP">{(t) => <Connect tenant={t} />}</TenantFrame>
  if (tab === 'users' && m[3] !== undefined) {
    const id = segment(m[3])
    return <TenantFrame tenantKey={key} tab="users" title="User">{(t) => <UserPage tenant={t} userId={id} />}</TenantFrame>
  }
  if (tab === 'users') return <TenantFrame tenantKey={key} tab="users" title="Users">{(t) => <Users tenant={t} />}</TenantFrame>
  return <TenantFrame tenantKey={key} tab="settings" title="Settings">{(t, reload) => <SettingsForm tenant={t} onSaved={reload} />}</TenantFrame>
}

export function App() {
  const path = useLocation()
  const [state, setState] = useState<State>({ phase: 'checking' })

  const signedIn = (session: Session) => {
    setCsrfToken(session.csrfToken)
    setState({ phase: 'signed-in', session })
  }

  useEffect(() => {
    api<Session>('GET', '/session').then(signedIn, (error: unknown) =>
      setState(error instanceof ApiError && error.status === 401 ? { phase: 'signed-out', ended: false } : { phase: 'error', error }),
    )
    return onSessionEnded(() => {
      setCsrfToken(undefined)
      setState({ phase: 'signed-out', ended: true })
    })
  }, [])

  const signOut = async () => {
    try {
      await api('DELETE', '/session')
    } catch {
      // Already ended on the server: signed out either way.
    }
    setCsrfToken(undefined)
    setState({ phase: 'signed-out', ended: false })
    navigate('/sign-in', true)
  }

  if (state.phase === 'checking') return <main id="main"><Loading what="your session" /></main>
  if (state.phase === 'error') return <main id="main"><h1>Roster admin</h1><ErrorNote error={state.error} retry={() => location.reload()} /></main>
  if (state.phase === 'signed-out') {
    return (
      <SignIn
        ended={state.ended}
        onSignedIn={(session) => {
          signedIn(session)
          if (path === '/' || path === '/sign-in') navigate('/tenants', true)
        }}
      />
    )
  }
  return (
    <Layout session={state.session} path={path} signOut={signOut}>
      <Page path={path} session={state.session} />
    </Layout>
  )
}

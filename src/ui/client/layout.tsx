/** The frame of every signed-in page: skip link, header with navigation, theme toggle and sign out, main. */
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { navigated } from './router.js'
import { currentTheme, setTheme, type Theme } from './theme.js'
import type { Session } from './types.js'
import { Link } from './ui.js'

export function ThemeToggle() {
  const [theme, set] = useState<Theme>(currentTheme())
  const other: Theme = theme === 'dark' ? 'light' : 'dark'
  return (
    <button
      type="button"
      class="secondary theme-toggle"
      aria-pressed={theme === 'dark'}
      onClick={() => {
        setTheme(other)
        set(other)
      }}
    >
      Dark theme
    </button>
  )
}

/** Moves focus to the page's heading when the page changes, so screen readers announce it. */
export function useFocusHeading(title: string) {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} · Roster admin`
    if (navigated) ref.current?.focus()
  }, [title])
  return ref
}

export function Layout(props: { session: Session; path: string; signOut: () => void; children: ComponentChildren }) {
  const { session } = props
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <Link href="/tenants">Roster admin</Link>
        </div>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/tenants" aria-current={props.path === '/tenants' ? 'page' : undefined}>
                Tenants
              </Link>
            </li>
          </ul>
        </nav>
        <div class="who">
          <span class="muted" title={`Admin token ${session.adminToken.hint}`}>
            {session.adminToken.name}
            {session.tenant ? ` · ${session.tenant}` : ' · instance'}
          </span>
          <ThemeToggle />
          <button type="button" class="secondary" onClick={props.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  )
}

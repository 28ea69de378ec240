/**
 * Routing by path under /ui/ with the History API: every page has a real URL (the server
 * answers index.html for all of them), so links can be opened in new tabs and shared.
 */
import { useEffect, useState } from 'preact/hooks'

export const BASE = '/ui'

const listeners = new Set<() => void>()

/**
 * Whether the page changed inside the app: then focus moves to the new heading (a screen reader
 * announces it). On a fresh load the browser's own order applies, skip link first.
 */
export let navigated = false

export function navigate(path: string, replace = false): void {
  navigated = true
  const url = BASE + path
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  for (const l of listeners) l()
}

window.addEventListener('popstate', () => {
  navigated = true
  for (const l of listeners) l()
})

/** The current path below /ui (always starting with '/') and the query string. */
export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname
  return path === '' ? '/' : path.replace(/\/+$/, '') || '/'
}

export function useLocation(): string {
  const [path, setPath] = useState(currentPath())
  useEffect(() => {
    const update = () => setPath(currentPath())
    listeners.add(update)
    return () => void listeners.delete(update)
  }, [])
  return path
}

export interface Route<P> {
  readonly pattern: RegExp
  readonly params: (match: RegExpExecArray) => P
}

/** Decodes a path segment; a malformed one is kept as written. */
export function segment(text: string | undefined): string {
  try {
    return decodeURIComponent(text ?? '')
  } catch {
    return text ?? ''
  }
}

/**
 * Calls `listener` after every move inside the app, the browser's back and forward included,
 * even to the same path with another query string (which useLocation does not report).
 */
export function onNavigate(listener: () => void): () => void {
  listeners.add(listener)
  return () => void listeners.delete(listener)
}

/**
 * Calls to the admin API (/admin/v1), the only server the UI talks to. The session cookie
 * goes along by itself; state changes add the session's CSRF token. Errors arrive as RFC 9457
 * problem details and become ApiError, whose detail pages show as they are.
 */
export const API = '/admin/v1'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  errors?: { path: string; message: string }[]
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail)
    this.status = problem.status
    this.problem = problem
  }

  /** The SCIM error type the problem names (invalid-filter, …), if any. */
  get kind(): string {
    return this.problem.type.replace(/^urn:roster:problem:/, '')
  }
}

let csrfToken: string | undefined
const endedListeners = new Set<() => void>()

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token
}

/** Called when the API says the session is over (401), so the app can ask to sign in again. */
export function onSessionEnded(listener: () => void): () => void {
  endedListeners.add(listener)
  return () => endedListeners.delete(listener)
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken
  let response: Response
  try {
    response = await fetch(API + path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
  } catch {
    throw new ApiError({ type: 'urn:roster:problem:network', title: 'Network error', status: 0, detail: 'The server could not be reached. Check that Roster is running, then try again.' })
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (!response.ok) {
    const problem = (parsed as Problem | undefined)?.detail
      ? (parsed as Problem)
      : { type: 'urn:roster:problem:unknown', title: response.statusText, status: response.status, detail: `The server answered ${response.status} ${response.statusText}.` }
    if (response.status === 401 && path !== '/session') for (const l of endedListeners) l()
    throw new ApiError(problem)
  }
  return parsed as T
}

/** `path` with a query string of the defined values. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v))
  const text = params.toString()
  if (!text) return path
  return `${path}${path.includes('?') ? '&' : '?'}${text}`
}

export const tenantPath = (key: string) => `/tenants/${encodeURIComponent(key)}`

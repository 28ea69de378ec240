/** Small pieces every page uses: states (loading, empty, error), links, times, copy, pager. */
import type { ComponentChildren, JSX } from 'preact'
import { useState } from 'preact/hooks'
import { ApiError } from './api.js'
import { BASE, navigate } from './router.js'

export function Link(props: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(props.href)
  }
  return (
    <a href={BASE + props.href} onClick={onClick} class={props.class} aria-current={props['aria-current']}>
      {props.children}
    </a>
  )
}

export function Loading(props: { what: string }) {
  return (
    <p class="state loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading {props.what}…
    </p>
  )
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="state empty">{props.children}</div>
}

/** An error from the API, as it said it; with a way to try again when there is one. */
export function ErrorNote(props: { error: unknown; retry?: () => void; title?: string }) {
  const e = props.error
  const detail = e instanceof ApiError ? e.problem.detail : e instanceof Error ? e.message : String(e)
  const fields = e instanceof ApiError ? e.problem.errors : undefined
  return (
    <div class="state error" role="alert">
      <p>
        <strong>{props.title ?? (e instanceof ApiError && e.status ? `Error ${e.status}` : 'Error')}:</strong> {detail}
      </p>
      {fields && fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.path}>
              <code>{f.path}</code> {f.message}
            </li>
          ))}
        </ul>
      )}
      {props.retry && (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      )}
    </div>
  )
}

const formatter = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function Time(props: { at: string | null | undefined; never?: string }) {
  if (!props.at) return <span class="muted">{props.never ?? 'never'}</span>
  return <time dateTime={props.at}>{formatter.format(new Date(props.at))}</time>
}

export function CopyButton(props: { text: string; label: string }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text)
      setCopied(true)
      setTimeout(() => setCopied(false), 2000)
    } catch {
      setCopied(false)
    }
  }
  return (
    // The name changes with the visible text (Copy, Copied): a spoken name must contain what is shown.
    <button type="button" class="secondary" onClick={copy} aria-label={copied ? props.label.replace(/^Copy\b/, 'Copied') : props.label}>
      {copied ? 'Copied' : 'Copy'}
      <span class="visually-hidden" role="status">
        {copied ? 'Copied to the clipboard' : ''}
      </span>
    </button>
  )
}

export function Pager(props: { page: number; hasPrev: boolean; hasNext: boolean; prev: () => void; next: () => void; label: string }) {
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" class="secondary" onClick={props.prev} disabled={!props.hasPrev}>
        Previous
      </button>
      <span>Page {props.page}</span>
      <button type="button" class="secondary" onClick={props.next} disabled={!props.hasNext}>
        Next
      </button>
    </nav>
  )
}

export function Field(props: { id: string; label: string; hint?: string; children: JSX.Element }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  )
}

export function Badge(props: { tone: 'ok' | 'warn' | 'bad' | 'neutral'; children: ComponentChildren }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>
}

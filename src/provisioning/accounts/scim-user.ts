/** What an account takes from a SCIM user document. Pure. */

type Doc = Readonly<Record<string, unknown>>

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined)

/** RFC 7643 §4.1.1: `active` absent means the IdP never deactivated the user. */
export const isActive = (doc: Doc): boolean => doc.active !== false

export const userNameOf = (doc: Doc): string => (typeof doc.userName === 'string' ? doc.userName : '')

/** The primary email, else the first one. */
export function primaryEmail(doc: Doc): string | undefined {
  const emails = Array.isArray(doc.emails) ? (doc.emails as unknown[]) : []
  const values = emails.filter((e): e is { value: string; primary?: unknown } => !!e && typeof e === 'object' && typeof (e as { value?: unknown }).value === 'string')
  return (values.find((e) => e.primary === true) ?? values[0])?.value
}

/** displayName, else name.formatted, else given and family names, else the userName. */
export function displayNameOf(doc: Doc): string {
  const name = (doc.name ?? {}) as Record<string, unknown>
  const parts = [text(name.givenName), text(name.familyName)].filter((p): p is string => p !== undefined)
  return text(doc.displayName) ?? text(name.formatted) ?? (parts.length ? parts.join(' ') : userNameOf(doc))
}

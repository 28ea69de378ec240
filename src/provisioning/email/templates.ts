/**
 * Onboarding email: the built-in templates, and rendering one with a message's values. A
 * tenant may override any template (admin API); a template is a subject, a plain-text body
 * and an HTML body with `{{name}}` placeholders. Values are escaped in the HTML body and
 * written as they are in the subject and text. Pure.
 */
import { invalidValue } from '../../scim/errors.js'
import type { EmailTemplate } from '../../store/records/invitation.js'

export const TEMPLATE_NAMES = ['welcome', 'invitation'] as const
export type TemplateName = (typeof TEMPLATE_NAMES)[number]

/** The values a template may use, by template. */
export const TEMPLATE_VALUES: Readonly<Record<TemplateName, readonly string[]>> = {
  welcome: ['login', 'displayName', 'email', 'tenant'],
  invitation: ['displayName', 'email', 'tenant', 'invitationToken', 'expiresAt'],
}

export const DEFAULT_TEMPLATES: Readonly<Record<TemplateName, EmailTemplate>> = {
  welcome: {
    name: 'welcome',
    subject: 'Your {{tenant}} account is ready',
    text: 'Hello {{displayName}},\n\nyour account {{login}} for {{tenant}} has been created by your organization.\n',
    html: '<p>Hello {{displayName}},</p>\n<p>your account <strong>{{login}}</strong> for {{tenant}} has been created by your organization.</p>\n',
  },
  invitation: {
    name: 'invitation',
    subject: "You're invited to join {{tenant}}",
    text:
      'Hello {{displayName}},\n\nyou have been invited to join {{tenant}}.\n' +
      'Your invitation code is {{invitationToken}}; it can be used until {{expiresAt}}.\n',
    html:
      '<p>Hello {{displayName}},</p>\n<p>you have been invited to join {{tenant}}.</p>\n' +
      '<p>Your invitation code is <code>{{invitationToken}}</code>; it can be used until {{expiresAt}}.</p>\n',
  },
}

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g

export const isTemplateName = (name: string): name is TemplateName => (TEMPLATE_NAMES as readonly string[]).includes(name)

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * A template text split once into literal parts and the names between them (`[text, name,
 * text, …, text]`): rendering is then a join, done for every account a SCIM create makes.
 * Keyed by the text, so tenants' overrides (a new object each time the tenant is read) hit too.
 */
const compiled = new Map<string, readonly string[]>()
const COMPILED_MAX = 512

function partsOf(text: string): readonly string[] {
  let parts = compiled.get(text)
  if (parts === undefined) {
    parts = text.split(PLACEHOLDER)
    if (compiled.size >= COMPILED_MAX) compiled.clear()
    compiled.set(text, parts)
  }
  return parts
}

function fill(text: string, values: Readonly<Record<string, string>>, escape: (s: string) => string): string {
  const parts = partsOf(text)
  let out = parts[0]!
  for (let i = 1; i < parts.length; i += 2) out += escape(values[parts[i]!] ?? '') + parts[i + 1]!
  return out
}

export interface RenderedEmail {
  readonly subject: string
  readonly text: string
  readonly html: string
}

export function renderEmail(template: EmailTemplate, values: Readonly<Record<string, string>>): RenderedEmail {
  // Header injection: a value with a line break must not start a new header in the subject.
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ')
  return {
    subject: oneLine(fill(template.subject, values, oneLine)),
    text: fill(template.text, values, (s) => s),
    html: fill(template.html, values, escapeHtml),
  }
}

/** 400 `invalidValue` for a template an admin sends that names a value its kind does not have. */
export function checkTemplate(name: string, template: Omit<EmailTemplate, 'name'>): EmailTemplate {
  if (!isTemplateName(name)) throw invalidValue(`'${name}' is not a template; templates are ${TEMPLATE_NAMES.join(', ')}`)
  const known = new Set(TEMPLATE_VALUES[name])
  for (const part of ['subject', 'text', 'html'] as const) {
    const value = template[part]
    if (typeof value !== 'string' || value.trim() === '') throw invalidValue(`${part}: a template needs a non-empty ${part}`)
    for (const [, placeholder] of value.matchAll(PLACEHOLDER)) {
      if (!known.has(placeholder!)) {
        throw invalidValue(`${part}: '{{${placeholder}}}' is not a value of the ${name} template; it has ${[...known].join(', ')}`)
      }
    }
  }
  return { name, subject: template.subject, text: template.text, html: template.html }
}

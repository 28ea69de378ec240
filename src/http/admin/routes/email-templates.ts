/** The tenant's email templates: each built-in one, or the tenant's override of it. */
import type { FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import {
  checkTemplate,
  DEFAULT_TEMPLATES,
  isTemplateName,
  TEMPLATE_NAMES,
  TEMPLATE_VALUES,
  type TemplateName,
} from '../../../provisioning/email/templates.js'
import { notFound } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import type { EmailTemplate } from '../../../store/records/invitation.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, Key, named, NoContent, TenantParams } from '../schemas.js'

const TAGS = ['email-templates']

const TemplateSchema = Type.Object({
  name: Type.String({ description: TEMPLATE_NAMES.join(' or ') }),
  subject: Type.String(),
  text: Type.String(),
  html: Type.String(),
  overridden: Type.Boolean({ description: "true: the tenant's own; false: the built-in default" }),
  values: Type.Array(Type.String(), { description: 'The {{placeholders}} it may use' }),
})

const Template = named('EmailTemplate', TemplateSchema)

/** RFC 5322 keeps a header line under 998 characters. */
const TemplateBody = Body({
  subject: Type.String({ minLength: 1, maxLength: 998 }),
  text: Type.String({ minLength: 1, maxLength: 100_000 }),
  html: Type.String({ minLength: 1, maxLength: 100_000 }),
})

const TemplateParams = TenantParams({ name: Key(`The template: ${TEMPLATE_NAMES.join(' or ')}`) })

const templateView = (name: TemplateName, override: EmailTemplate | undefined): Static<typeof TemplateSchema> => {
  const t = override ?? DEFAULT_TEMPLATES[name]
  return { name, subject: t.subject, text: t.text, html: t.html, overridden: override !== undefined, values: [...TEMPLATE_VALUES[name]] }
}

function templateName(name: string): TemplateName {
  if (!isTemplateName(name)) throw notFound(`there is no email template '${name}'; templates are ${TEMPLATE_NAMES.join(', ')}`)
  return name
}

export function registerEmailTemplateRoutes(api: AdminScope, store: Store): void {
  const tenantStore = (request: FastifyRequest) => store.forTenant(tenantOf(request))

  api.get(
    '/email-templates',
    {
      schema: {
        tags: TAGS,
        operationId: 'listEmailTemplates',
        summary: "Every template: the tenant's override, or the default",
        params: TenantParams({}),
        querystring: Type.Object(PageQuery),
        response: { 200: Paged(Template, 'A page of templates'), ...ERRORS },
      },
    },
    async (request) => {
      const overrides = await tenantStore(request).transaction((tx) => tx.outbox.templates())
      const all = TEMPLATE_NAMES.map((name) => templateView(name, overrides.find((t) => t.name === name)))
      return pagingOf(request, tenantOf(request).id).slice(all)
    },
  )

  api.get(
    '/email-templates/:name',
    {
      schema: {
        tags: TAGS,
        operationId: 'getEmailTemplate',
        summary: "One template: the tenant's override, or the default",
        params: TemplateParams,
        response: { 200: Template, ...ERRORS },
      },
    },
    async (request) => {
      const name = templateName(request.params.name)
      return templateView(name, await tenantStore(request).transaction((tx) => tx.outbox.template(name)))
    },
  )

  api.put(
    '/email-templates/:name',
    {
      schema: {
        tags: TAGS,
        operationId: 'putEmailTemplate',
        summary: "Set the tenant's own template; placeholders must be values the template has",
        params: TemplateParams,
        body: TemplateBody,
        response: { 200: Template, ...ERRORS },
      },
    },
    async (request) => {
      const name = templateName(request.params.name)
      const template = checkTemplate(name, request.body)
      await tenantStore(request).transaction((tx) => tx.outbox.putTemplate(template, new Date().toISOString()))
      return templateView(name, template)
    },
  )

  api.delete(
    '/email-templates/:name',
    {
      schema: {
        tags: TAGS,
        operationId: 'resetEmailTemplate',
        summary: 'Go back to the default template (idempotent)',
        params: TemplateParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      const name = templateName(request.params.name)
      await tenantStore(request).transaction((tx) => tx.outbox.deleteTemplate(name))
      return reply.code(204).send(null)
    },
  )
}

/**
 * RFC 9457 problem details: the one error shape of the admin API. The domain throws ScimError
 * (status, scimType, detail); here it becomes `type`, `title`, `status` and `detail`, and a
 * schema validation failure also lists what was wrong, field by field, in `errors`.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import Type from 'typebox'
import { unsupportedMediaType, type ScimError } from '../../scim/errors.js'
import { toScimError } from '../error-handler.js'
import { loggedUrl } from '../log-fields.js'
import { named } from './schemas.js'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

/** Problem types are URNs: they name a kind of failure, and are not meant to be fetched. */
const TYPE_PREFIX = 'urn:roster:problem:'

const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: `A URN naming the kind of problem (${TYPE_PREFIX}…)` }),
    title: Type.String({ description: 'A short summary of the kind of problem' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'What went wrong with this request, and what to do about it' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'Where: /body/…, /query/… or /params/… (a JSON pointer into that part)' }),
          message: Type.String(),
        }),
        { description: 'Schema validation failures, one per fault' },
      ),
    ),
  },
  { description: 'RFC 9457 problem details' },
)

/** The error responses of every route, for its `response` schema (and so the OpenAPI document). */
export const ERRORS = {
  default: {
    description: 'An error, as RFC 9457 problem details',
    content: { 'application/problem+json': { schema: named('Problem', ProblemSchema) } },
  },
} as const

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  errors?: { path: string; message: string }[]
}

/** Names of the failures without a scimType, by status. */
const BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  500: 'internal-error',
  503: 'unavailable',
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

export function problemOf(error: ScimError): Problem {
  const name = error.scimType ? kebab(error.scimType) : (BY_STATUS[error.status] ?? `status-${error.status}`)
  return { type: TYPE_PREFIX + name, title: STATUS_CODES[error.status] ?? 'Error', status: error.status, detail: error.detail }
}

/** At most this many faults are listed: a body of 10,000 bad items needs no 10,000 lines. */
const MAX_LISTED = 20

type Part = 'body' | 'querystring' | 'params' | 'headers'
const PART_PATH: Readonly<Record<Part, string>> = { body: '/body', querystring: '/query', params: '/params', headers: '/headers' }

/** One fault as a reader wants it: where, and what is wrong there, naming unknown fields. */
function describeFault(fault: FastifySchemaValidationError, part: Part): { path: string; message: string } | undefined {
  const params = fault.params as Record<string, unknown>
  const at = `${PART_PATH[part]}${fault.instancePath}`
  switch (fault.keyword) {
    // TypeBox reports an unknown field twice: as a `false` schema at the field, and as
    // `additionalProperties` at its object. The latter names it; the former adds nothing.
    case 'boolean':
      return undefined
    case 'additionalProperties': {
      const names = (params.additionalProperties as string[] | undefined) ?? [String(params.additionalProperty)]
      const field = names[0] ?? '?'
      return { path: `${at}/${field}`, message: `'${field}' is not a field of this request` }
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? []
      return { path: at, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` }
    }
    case 'required': {
      const names = (params.requiredProperties as string[] | undefined) ?? [String(params.missingProperty)]
      return { path: at, message: `the field${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')} ${names.length > 1 ? 'are' : 'is'} required` }
    }
    default:
      return { path: at, message: fault.message ?? `fails the ${fault.keyword} rule` }
  }
}

/**
 * A value that matches no branch of an `anyOf` (a nullable field, mostly) is reported once per
 * branch and once more for the `anyOf`; a reader wants one line: "must be string or null".
 */
function mergeAlternatives(faults: readonly FastifySchemaValidationError[]): FastifySchemaValidationError[] {
  const unions = faults.filter((f) => f.keyword === 'anyOf')
  if (unions.length === 0) return [...faults]
  const merged: FastifySchemaValidationError[] = []
  const branchOf = (f: FastifySchemaValidationError) => unions.find((u) => f.schemaPath.startsWith(`${u.schemaPath}/anyOf/`))
  for (const fault of faults) {
    if (branchOf(fault)) continue
    if (fault.keyword !== 'anyOf') {
      merged.push(fault)
      continue
    }
    const branches = faults.filter((f) => branchOf(f) === fault)
    const types = branches.map((f) => (f.keyword === 'type' ? (f.params as { type?: string }).type : undefined))
    const message = types.every((t) => t !== undefined)
      ? `must be ${types.join(' or ')}`
      : branches.map((f) => describeFault(f, 'body')?.message ?? f.message).join(', or ')
    merged.push({ ...fault, keyword: 'alternatives', message })
  }
  return merged
}

export function validationProblem(faults: readonly FastifySchemaValidationError[], part: Part): Problem {
  const errors: { path: string; message: string }[] = []
  const seen = new Set<string>()
  for (const fault of mergeAlternatives(faults)) {
    const described = describeFault(fault, part)
    if (!described) continue
    const key = `${described.path}\0${described.message}`
    if (seen.has(key)) continue
    seen.add(key)
    errors.push(described)
  }
  if (errors.length === 0) errors.push({ path: PART_PATH[part], message: 'does not match the schema' })
  const shown = errors.slice(0, MAX_LISTED)
  const first = shown[0]!
  const more = errors.length - 1
  return {
    type: `${TYPE_PREFIX}validation`,
    title: 'The request does not match the schema',
    status: 400,
    detail: `${first.path}: ${first.message}${more > 0 ? ` (and ${more} more fault${more > 1 ? 's' : ''}, listed in errors)` : ''}`,
    errors: shown,
  }
}

/** The problem for anything a route threw: validation faults, domain errors, framework faults. */
export function toProblem(error: unknown, request: FastifyRequest): { problem: Problem; headers: Readonly<Record<string, string>> } {
  const e = error as Partial<FastifyError>
  if (e.validation && e.validationContext) {
    return { problem: validationProblem(e.validation, e.validationContext as Part), headers: {} }
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const sent = request.headers['content-type']
    const detail = sent
      ? `Content-Type '${sent}' is not supported: send application/json`
      : 'the request has a body but no Content-Type: send it as application/json'
    return { problem: problemOf(unsupportedMediaType(detail)), headers: {} }
  }
  const scim = toScimError(error, request)
  return { problem: problemOf(scim), headers: scim.headers }
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Readonly<Record<string, string>> = {}) {
  reply.code(problem.status).type(PROBLEM_CONTENT_TYPE)
  for (const [name, value] of Object.entries(headers)) reply.header(name, value)
  return reply.send(problem)
}

/**
 * Fastify's `frameworkErrors` under the admin API: faults found before routing have no route,
 * so no `onResponse` hook; the request line is logged here, as for SCIM (error-handler.ts).
 */
export function adminFrameworkError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { problem, headers } = toProblem(error, request)
  request.log.info({ method: request.method, url: loggedUrl(request.url), status: problem.status }, 'request')
  return sendProblem(reply, problem, headers)
}

export function problemHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { problem, headers } = toProblem(error, request)
  return sendProblem(reply, problem, headers)
}

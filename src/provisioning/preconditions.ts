import { preconditionFailed } from '../scim/errors.js'
import { etagOf } from './render.js'

/** The entity tags of an `If-Match`/`If-None-Match` header; `*` matches any existing resource. */
function tags(header: string): string[] {
  return header.split(',').map((t) => t.trim()).filter((t) => t.length > 0)
}

/** RFC 7232 §2.3.2 weak comparison: `W/"3"` and `"3"` name the same version. */
export function etagMatches(header: string, version: number): boolean {
  const ours = etagOf(version).slice(2)
  return tags(header).some((t) => t === '*' || t.replace(/^W\//, '') === ours)
}

/** RFC 7644 §3.14: a write with a stale `If-Match` fails with 412 and changes nothing. */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch !== undefined && !etagMatches(ifMatch, version)) {
    throw preconditionFailed(`If-Match ${ifMatch} does not match the current version ${etagOf(version)}`)
  }
}

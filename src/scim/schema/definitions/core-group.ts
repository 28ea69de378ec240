import { attribute, SCHEMA_URNS, type SchemaDefinition } from '../attribute.js'

/** RFC 7643 §4.2 and §8.7.1: `urn:ietf:params:scim:schemas:core:2.0:Group`. */
export const coreGroupSchema: SchemaDefinition = {
  id: SCHEMA_URNS.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    // §4.2 calls displayName REQUIRED; every IdP sends it.
    attribute('displayName', 'string', 'A human-readable name for the Group.', { required: true }),
    attribute('members', 'complex', 'A list of members of the Group.', {
      multiValued: true,
      subAttributes: [
        attribute('value', 'string', 'Identifier of the member of this Group.', { caseExact: true, mutability: 'immutable' }),
        attribute('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        attribute('type', 'string', 'A label indicating the type of resource, e.g., \'User\' or \'Group\'.', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
        attribute('display', 'string', 'A human-readable name, primarily used for display purposes.', { mutability: 'readOnly' }),
      ],
    }),
  ],
}

import { attribute, SCHEMA_URNS, type SchemaDefinition } from '../attribute.js'
import { multiValued } from './multi-valued.js'

/** RFC 7643 §4.1 and §8.7.1: `urn:ietf:params:scim:schemas:core:2.0:User`. */
export const coreUserSchema: SchemaDefinition = {
  id: SCHEMA_URNS.user,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'string', 'Unique identifier for the User, typically used by the user to directly authenticate to the service provider.', {
      required: true,
      uniqueness: 'server',
    }),
    attribute('name', 'complex', "The components of the user's real name.", {
      subAttributes: [
        attribute('formatted', 'string', "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
        attribute('familyName', 'string', 'The family name of the User, or last name in most Western languages.'),
        attribute('givenName', 'string', 'The given name of the User, or first name in most Western languages.'),
        attribute('middleName', 'string', 'The middle name(s) of the User.'),
        attribute('honorificPrefix', 'string', 'The honorific prefix(es) of the User, or title in most Western languages.'),
        attribute('honorificSuffix', 'string', 'The honorific suffix(es) of the User, or suffix in most Western languages.'),
      ],
    }),
    attribute('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attribute('nickName', 'string', 'The casual way to address the user in real life.'),
    attribute('profileUrl', 'reference', "A fully qualified URL pointing to a page representing the User's online profile.", {
      referenceTypes: ['external'],
    }),
    attribute('title', 'string', "The user's title, such as \"Vice President\"."),
    attribute('userType', 'string', 'Used to identify the relationship between the organization and the user.'),
    attribute('preferredLanguage', 'string', "Indicates the User's preferred written or spoken language."),
    attribute('locale', 'string', "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
    attribute('timezone', 'string', "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    attribute('password', 'string', "The User's cleartext password.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the User.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses for the User.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], {
      valueType: 'reference',
      value: { referenceTypes: ['external'] },
    }),
    attribute('addresses', 'complex', 'A physical mailing address for this User.', {
      multiValued: true,
      subAttributes: [
        attribute('formatted', 'string', 'The full mailing address, formatted for display or use with a mailing label.'),
        attribute('streetAddress', 'string', 'The full street address component.'),
        attribute('locality', 'string', 'The city or locality component.'),
        attribute('region', 'string', 'The state or region component.'),
        attribute('postalCode', 'string', 'The zip code or postal code component.'),
        attribute('country', 'string', 'The country name component.'),
        attribute('type', 'string', "A label indicating the attribute's function.", { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'boolean', "A Boolean value indicating the 'primary' or preferred address."),
      ],
    }),
    attribute('groups', 'complex', 'A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.', {
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [
        attribute('value', 'string', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attribute('$ref', 'reference', "The URI of the corresponding 'Group' resource to which the user belongs.", {
          mutability: 'readOnly',
          referenceTypes: ['User', 'Group'],
        }),
        attribute('display', 'string', 'A human-readable name, primarily used for display purposes.', { mutability: 'readOnly' }),
        attribute('type', 'string', "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.", {
          mutability: 'readOnly',
          canonicalValues: ['direct', 'indirect'],
        }),
      ],
    }),
    multiValued('entitlements', 'A list of entitlements for the User that represent a thing the User has.', undefined),
    multiValued('roles', 'A list of roles for the User that collectively represent who the User is.', undefined),
    multiValued('x509Certificates', 'A list of certificates issued to the User.', undefined, {
      valueType: 'binary',
      // RFC 7643 §2.3.6: binary values are case exact.
      value: { caseExact: true },
    }),
  ],
}

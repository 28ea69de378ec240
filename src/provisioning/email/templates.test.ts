import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { checkTemplate, DEFAULT_TEMPLATES, renderEmail } from './templates.js'

test('values fill the placeholders; the HTML body escapes them, the subject keeps to one line', () => {
  const rendered = renderEmail(DEFAULT_TEMPLATES.welcome, {
    login: 'bob_octo',
    displayName: '<b>Bob</b> & "Co"',
    email: 'bob@x',
    tenant: 'octo\r\nBcc: evil@x',
  })
  assert.equal(rendered.subject, 'Your octo Bcc: evil@x account is ready')
  assert.match(rendered.text, /Hello <b>Bob<\/b> & "Co",/)
  assert.match(rendered.html, /Hello &lt;b&gt;Bob&lt;\/b&gt; &amp; &quot;Co&quot;,/)
  assert.match(rendered.html, /<strong>bob_octo<\/strong>/)
})

test('a template override may use only its kind’s values, and needs every part', () => {
  assert.deepEqual(checkTemplate('welcome', { subject: 'Hi {{ login }}', text: 't', html: 'h' }).subject, 'Hi {{ login }}')
  assert.throws(() => checkTemplate('welcome', { subject: 'Hi {{invitationToken}}', text: 't', html: 'h' }), {
    status: 400,
    message: "subject: '{{invitationToken}}' is not a value of the welcome template; it has login, displayName, email, tenant",
  })
  assert.throws(() => checkTemplate('welcome', { subject: 's', text: ' ', html: 'h' }), /text: a template needs a non-empty text/)
  assert.throws(() => checkTemplate('farewell', { subject: 's', text: 't', html: 'h' }), /'farewell' is not a template/)
})

test('rendering fills exactly what a placeholder-by-placeholder replace would, for any template', () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom('{{login}}', '{{ displayName }}', '{{email}}', '{{unknown}}', '{{', '}}', '{login}', '{{ }}'),
  )
  const template = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''))
  fc.assert(
    fc.property(template, template, fc.string(), fc.string(), (subject, text, login, email) => {
      const values = { login, displayName: 'A & <B>', email }
      const expected = (t: string) => t.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (_, name: string) => (values as Record<string, string>)[name] ?? '')
      const rendered = renderEmail({ name: 'welcome', subject, text, html: text }, values)
      assert.equal(rendered.text, expected(text))
      assert.equal(rendered.subject, expected(subject).replace(/[\r\n]+/g, ' '))
    }),
  )
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { deriveLogin, MAX_GITHUB_LOGIN, obfuscatedEmail, suspendedLogin } from './login.js'

const github = (shortCode: string | null = null) => ({ loginRule: 'github' as const, shortCode })

describe('deriveLogin: GitHub rule', () => {
  test('the part before @, after DOMAIN\\, Entra #EXT# dropped; other characters become -', () => {
    assert.equal(deriveLogin('mona.lisa@contoso.com', github()), 'mona-lisa')
    assert.equal(deriveLogin('CONTOSO\\Mona_Lisa', github()), 'Mona-Lisa')
    assert.equal(deriveLogin('bob_fabrikam.com#EXT#@contoso.onmicrosoft.com', github()), 'bob-fabrikam-com')
    assert.equal(deriveLogin('E012345', github('octo')), 'E012345_octo')
    assert.equal(deriveLogin('--a..b--@x', github()), 'a-b')
    assert.equal(deriveLogin('José.Núñez@x', github()), 'Jos-N-ez')
  })

  test('bob@contoso.com and bob@fabrikam.com give the same login', () => {
    assert.equal(deriveLogin('bob@contoso.com', github('acme')), deriveLogin('bob@fabrikam.com', github('acme')))
  })

  test('no letter or digit → 400 invalidValue; too long → 400 showing the login and the limit', () => {
    assert.throws(() => deriveLogin('@@@', github()), { status: 400, scimType: 'invalidValue' })
    assert.throws(() => deriveLogin('___@x', github()), /gives no login/)
    const long = 'a'.repeat(35)
    assert.equal(deriveLogin(long, github('abc')).length, 39)
    assert.throws(() => deriveLogin(`${long}b`, github('abc')), (e: Error & { detail?: string }) => {
      assert.match(e.message, /'a{35}b_abc', 40 characters long; a login is at most 39 characters including the short code/)
      return true
    })
  })

  test('property: every login is letters, digits and single inner hyphens, plus the short code, at most 39', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.option(fc.stringMatching(/^[A-Za-z0-9]{3,8}$/), { nil: null }), (userName, code) => {
        let login: string
        try {
          login = deriveLogin(userName, github(code))
        } catch (e) {
          assert.equal((e as { status?: number }).status, 400)
          return
        }
        assert.ok(login.length <= MAX_GITHUB_LOGIN)
        const base = code ? login.slice(0, -(code.length + 1)) : login
        if (code) assert.ok(login.endsWith(`_${code}`))
        assert.match(base, /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/)
        // Deriving again from the login itself changes nothing (before the short code).
        assert.equal(deriveLogin(base, github()), base)
      }),
    )
  })
})

describe('deriveLogin: userName rule', () => {
  test('the userName itself; an empty one is refused', () => {
    assert.equal(deriveLogin('Bob@Contoso.com', { loginRule: 'userName', shortCode: 'zz9' }), 'Bob@Contoso.com')
    assert.throws(() => deriveLogin('  ', { loginRule: 'userName', shortCode: null }), { status: 400 })
  })
})

describe('suspended logins and emails', () => {
  test('a hash plus the short code, the same for the same account, different across accounts', () => {
    const a = suspendedLogin('acct-1', 'bob_octo', 'octo')
    assert.match(a, /^[0-9a-f]{20}_octo$/)
    assert.equal(suspendedLogin('acct-1', 'bob_octo', 'octo'), a)
    assert.notEqual(suspendedLogin('acct-2', 'bob_octo', 'octo'), a)
    assert.ok(suspendedLogin('acct-1', 'x'.repeat(39), 'abcdefgh').length <= MAX_GITHUB_LOGIN)
    assert.match(obfuscatedEmail('acct-1', 'bob@contoso.com'), /^[0-9a-f]{20}@suspended\.invalid$/)
  })
})

/**
 * The example host application (examples/host-app), which imports Roster by its package name,
 * listening on a port: an IdP provisions a user the way Entra ID does, and the app's own route
 * shows the effect its onEvent consumer had on the app's table.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startHostApp, type AppUser, type HostApp } from '../../examples/host-app/app.js'
import { createTenant, issueToken } from '../../src/index.js'
import { DATABASES, until, type Database } from './databases.js'

for (const { name, create } of DATABASES) {
  describe(`the example host application [${name}]`, () => {
    let db: Database
    let appDir: string
    let host: HostApp
    let origin: string
    let token: string
    before(async () => {
      db = await create()
      // The app's own table is in a SQLite file of its own, whichever database Roster uses.
      appDir = await mkdtemp(join(tmpdir(), 'roster-host-app-'))
      host = await startHostApp({ rosterDatabaseUrl: db.url, appDatabase: join(appDir, 'app.db') })
      origin = await host.app.listen({ port: 0, host: '127.0.0.1' })
      const tenant = await createTenant(host.roster.store, 'organization', 'contoso')
      token = (await issueToken(host.roster.store, tenant)).token
    })
    after(async () => {
      await host.close()
      await db.drop()
      await rm(appDir, { recursive: true, force: true })
    })

    const scim = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${origin}/provisioning/scim/v2/organizations/contoso${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/scim+json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as any }
    }
    const appUsers = async (): Promise<AppUser[]> => (await fetch(`${origin}/app/users`)).json() as Promise<AppUser[]>

    test('a user Entra creates, deactivates and deletes shows in the app through onEvent', async () => {
      // Entra ID's first call: is the user there already?
      const probe = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "adele@contoso.example"')}`)
      assert.equal(probe.status, 200)
      assert.equal(probe.body.totalResults, 0)
      // Entra's create, as it sends it.
      const created = await scim('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: 'adele',
        userName: 'adele@contoso.example',
        active: true,
        displayName: 'Adele Vance',
        emails: [{ primary: true, type: 'work', value: 'adele@contoso.example' }],
        name: { formatted: 'Adele Vance', familyName: 'Vance', givenName: 'Adele' },
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Retail' },
      })
      assert.equal(created.status, 201)
      const id = created.body.id as string
      assert.equal(created.body.meta.location, `${origin}/provisioning/scim/v2/organizations/contoso/Users/${id}`)
      await until('the app has the user, active', async () => (await appUsers()).some((u) => u.scimId === id && u.active))

      // Entra deactivates with a string boolean and a capitalised op.
      const off = await scim('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      })
      assert.ok([200, 204].includes(off.status))
      await until('the app has the user, inactive', async () => (await appUsers()).some((u) => u.scimId === id && !u.active))
      assert.deepEqual(
        (await appUsers()).map((u) => [u.userName, u.active]),
        [['adele@contoso.example', false]],
      )

      const gone = await scim('DELETE', `/Users/${id}`)
      assert.equal(gone.status, 204)
      await until('the app no longer has the user', async () => (await appUsers()).length === 0)
    })
  })
}

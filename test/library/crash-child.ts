/**
 * A process whose consumer dies mid-handler (on-event.test.ts kills it): its handler writes
 * the user name of each of the tenant's `user.created` events to stdout, and on the user named
 * in ROSTER_CRASH_CHILD_HANG never returns, so that event is never acknowledged.
 *
 * The test runner runs every file under test/: without its variables this does nothing.
 */
import { createRoster } from '../../src/index.js'

const env = process.env
if (env.ROSTER_CRASH_CHILD_DB) {
  const roster = await createRoster({ databaseUrl: env.ROSTER_CRASH_CHILD_DB, events: { pollMs: 20, leaseMs: Number(env.ROSTER_CRASH_CHILD_LEASE_MS) } })
  roster.onEvent(
    async (event) => {
      const name = String(event.data.state.userName)
      if (name === env.ROSTER_CRASH_CHILD_HANG) {
        process.stdout.write(`hanging ${event.id}\n`)
        await new Promise(() => undefined)
      }
      process.stdout.write(`handled ${name}\n`)
    },
    { consumer: 'crash', types: ['user.created'], tenants: [env.ROSTER_CRASH_CHILD_TENANT!] },
  )
  await roster.start()
}

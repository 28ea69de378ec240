/** The help text of each command; `roster <command> --help` prints it. */
export const USAGE = {
  main: `Usage: roster <command> [options]

Commands:
  serve                           start the SCIM server (creates or migrates the database first)
  migrate                         create or upgrade the database schema, and say which
  backup <file>                   copy a SQLite database consistently, also while servers run

  org create <slug>               create an organization tenant
  org list                        list organization tenants
  enterprise create <slug>        create an enterprise tenant (it gets a short code)
  enterprise list                 list enterprise tenants
  token create|list|revoke        SCIM bearer tokens for an IdP (shown once)
  admin-token create|list|revoke  tokens of the admin API, for one tenant or every one

  account list|show               a tenant's accounts: state, roles, emails, SCIM link, history
  account suspend|unsuspend       suspend an account or make it active again
  team create|list|members        a tenant's teams
  team link|unlink|reconcile      make a team follow a SCIM group; remove stray stored rows
  outbox list|retry               a tenant's emails: pending, sent, failed; retry a failed one
  log tail                        a tenant's provisioning log: SCIM writes, failures, diffs
  webhook list|create|delete      a tenant's webhook endpoints (the secret is shown once)
  webhook deliveries|redeliver    an endpoint's delivery log; send events again

Every command takes --database URL (or ROSTER_DATABASE_URL); default sqlite:./data/roster.db.
Only serve and migrate create a database: the others refuse one that does not exist.
Commands acting in a tenant name it with --org <slug>, --enterprise <slug> or --instance.
Run 'roster <command> --help' for a command's options, 'roster --version' for the version.
Settings: docs/configuration.md. Running it in production: docs/deployment.md.
Every command, with an example: docs/cli.md.

Exit status, for every command:
  0  done
  1  the command failed (nothing by that name, a refusal, database unreachable, port in use, ...)
  2  usage error: an unknown command or option, or a bad value in an option or a ROSTER_* variable`,
  serve: `Usage: roster serve [--port N] [--host H] [--workers N] [--database URL]

Starts the SCIM server.
  --port N          port to listen on (ROSTER_PORT, default 8080)
  --host H          address to bind (ROSTER_HOST, default 127.0.0.1)
  --workers N       processes serving the port (ROSTER_WORKERS, default 1); with more than one,
                    a supervising process migrates the database, starts them and restarts any
                    that dies. They share the database: sqlite:<path> or postgres://…, not
                    sqlite::memory:
  --database URL    sqlite:<path> | sqlite::memory: | postgres://user:password@host:5432/database
                    (ROSTER_DATABASE_URL, default sqlite:./data/roster.db)
Behind a TLS reverse proxy set ROSTER_PUBLIC_URL (https://scim.example.com, the base of
meta.location) or ROSTER_TRUST_PROXY=true; every other variable is in docs/configuration.md.
GET /healthz answers 200, or 503 while the database cannot be reached.`,
  org: `Usage: roster org create <slug> [--short-code C] [--database URL]
       roster org list [--database URL]

An organization's SCIM base URL is /scim/v2/organizations/<slug>.
  --short-code C   3 to 8 letters and digits, fixed for good; an organization has none unless
                   given one (its logins are the SCIM userNames unless its login rule changes)
'list' prints slug, SCIM base path, creation time and short code, tab-separated.`,
  enterprise: `Usage: roster enterprise create <slug> [--short-code C] [--database URL]
       roster enterprise list [--database URL]

An enterprise's SCIM base URL is /scim/v2/enterprises/<slug>.
  --short-code C   3 to 8 letters and digits, fixed for good: every login made from a SCIM
                   userName ends in _C (default: made from the slug's first letters and digits)
'list' prints slug, SCIM base path, creation time and short code, tab-separated.`,
  token: `Usage: roster token create (--org <slug> | --enterprise <slug> | --instance) [--name N]
                           [--expires-in DAYS | --no-expiry]
       roster token list [--org <slug> | --enterprise <slug> | --instance]
       roster token revoke <id>

'token create' prints the token alone on the last line; it is shown once and stored only as a hash.
  --expires-in DAYS   lifetime in whole days, 1 to 3650 (default 365)
  --no-expiry         a token that never expires: only when asked for
'token list' shows each token's status (active, expired, revoked) and expiry.`,
  adminToken: `Usage: roster admin-token create (--org <slug> | --enterprise <slug> | --instance) [--name N]
                                 [--expires-in DAYS | --no-expiry]
       roster admin-token list [--org <slug> | --enterprise <slug> | --instance] [--json]
       roster admin-token revoke <id>

Tokens of the admin API (/admin/v1). --instance makes one that reaches every tenant and may
create tenants; --org or --enterprise one that reaches that tenant only.
'admin-token create' prints the token alone on the last line; it is shown once and stored only
as a hash.
  --name N            a name to tell it by in the list (default admin)
  --expires-in DAYS   lifetime in whole days, 1 to 3650 (default 365)
  --no-expiry         a token that never expires: only when asked for
'admin-token list' shows what each token reaches and its status (active, expired, revoked);
with a tenant option, only the tokens of that tenant (--instance: those reaching every tenant).
  --json              the list as JSON, for scripts`,
  account: `Usage: roster account list <tenant> [--search S] [--state active|suspended|deleted]
                           [--limit N] [--json]
       roster account show <id|login> <tenant> [--json]
       roster account suspend <id|login> <tenant>
       roster account unsuspend <id|login> <tenant>
<tenant> is one of --org <slug>, --enterprise <slug> or --instance.

An account is named by its id or its login (in any case); a deleted one by its id only.
  --search S    accounts whose login, display name or primary email starts with S
  --state S     only active, suspended or deleted accounts
  --limit N     at most N accounts, 1 to 10000 (default 100)
  --json        the list, or the account with its history, as JSON, for scripts
'account show' prints the state, roles, emails, SCIM link and history of one account.
'account suspend' revokes its sessions and personal tokens and takes it out of the teams its
SCIM groups gave it; 'account unsuspend' makes it active again. Where the tenant requires SCIM,
an account the identity provider manages is changed at the IdP only: both refuse it.`,
  team: `Usage: roster team create <name> <tenant> [--description D] [--parent <team>]
       roster team list <tenant> [--json]
       roster team members <team> <tenant> [--limit N] [--json]
       roster team link <team> <groupId> <tenant> [--replace]
       roster team unlink <team> <tenant>
       roster team reconcile [<team>] <tenant>
<tenant> is one of --org <slug>, --enterprise <slug> or --instance.

A team is named by its id or its name (in any case).
  --description D   what the team is for
  --parent <team>   the team it is inside; a team linked to a group cannot be nested
  --replace         link a team that has members added by hand: they are removed
  --limit N         at most N members, 1 to 10000 (default 100)
  --json            the list as JSON, for scripts
'team link' makes the team's members exactly the SCIM group's active users, from then on kept
so by every SCIM write; 'team unlink' ends that, and the members it had through the group
leave. 'team reconcile' repairs any drift of one team, or of every team of the tenant, in
batches of 1000 rows, and prints what it changed: members added, removed, and batches.`,
  outbox: `Usage: roster outbox list <tenant> [--state pending|sending|sent|failed] [--limit N] [--json]
       roster outbox retry <id> <tenant>
<tenant> is one of --org <slug>, --enterprise <slug> or --instance.

The emails a tenant's SCIM writes queued (welcome, invitation), oldest first; their bodies are
not shown, since an invitation's holds the secret that accepts it.
  --state S     only pending, sending, sent or failed messages
  --limit N     at most N messages, 1 to 10000 (default 100)
  --json        the list as JSON, for scripts
'outbox retry' makes a failed message pending again, due now, with its attempts counted from 0.`,
  log: `Usage: roster log tail <tenant> [--status 2xx|3xx|4xx|5xx] [--lines N] [--follow] [--json]
<tenant> is one of --org <slug>, --enterprise <slug> or --instance.

The tenant's provisioning log (docs/provisioning-log.md): every SCIM call that wrote or failed,
and reads when the tenant's logReads setting is on. One line per entry, oldest first: time,
status, method, detected client, duration, path (below the tenant's SCIM base path), the
resource and the attributes changed, and for a failure its scimType and detail.
  --status S    only entries of that status class
  --lines N     the last N entries, 1 to 500 (default 20)
  --follow, -f  then print new entries as they are written, until interrupted
  --json        one JSON object per line (with the whole diff), for scripts`,
  webhook: `Usage: roster webhook list <tenant> [--json]
       roster webhook create <url> <tenant> [--description D] [--events T,T] [--disabled]
       roster webhook delete <id> <tenant>
       roster webhook deliveries <id> <tenant> [--outcome O] [--limit N] [--json]
       roster webhook redeliver <id> <tenant> --seq N | --from N
<tenant> is one of --org <slug>, --enterprise <slug> or --instance.

Endpoints receive the tenant's events, signed per Standard Webhooks, in order, from the moment
they are created. 'create' prints the signing secret (whsec_...) once.
  --description D   what the endpoint is for
  --events T,T      event types to send: user.created, user.*, * (default: *)
  --disabled        create it disabled: nothing is sent until it is enabled (admin API)
  --outcome O       only delivered, failed or dead (dead-lettered) deliveries
  --limit N         at most N deliveries, newest first, 1 to 10000 (default 100)
  --json            the list as JSON, for scripts
  --seq N           send event N again now, from this process, and say how it went
  --from N          rewind: a running server delivers every matching event from N on again`,
  migrate: `Usage: roster migrate [--database URL]

Creates the database schema, or upgrades it, and says what it did: "created schema version N",
"migrated from schema version N to M" or "already at schema version N". serve does this too at
start. A database migrated by a newer Roster is refused.`,
  backup: `Usage: roster backup <file> [--database URL]

Writes a consistent copy of a SQLite database to <file> (which must not exist), also while
servers write to it: a single file, compacted and checked. To restore, stop the servers and put
the copy in the database's place (docs/deployment.md). For PostgreSQL use pg_dump instead.`,
} as const

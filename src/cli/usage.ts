/** The help text of each command; `roster <command> --help` prints it. */
export const USAGE = {
  main: `Usage: roster <command> [options]

Commands:
  serve                      start the SCIM server (creates or migrates the database first)
  org create <slug>          create an organization tenant
  org list                   list organization tenants
  enterprise create <slug>   create an enterprise tenant
  enterprise list            list enterprise tenants
  token create               create a bearer token for a tenant (shown once)
  token list                 list tokens, with their expiry
  token revoke <id>          revoke a token
  migrate                    create or upgrade the database schema, and say which
  backup <file>              copy a SQLite database consistently, also while servers run

Every command takes --database URL (or ROSTER_DATABASE_URL); default sqlite:./data/roster.db.
Only serve and migrate create a database: the others refuse one that does not exist.
Run 'roster <command> --help' for a command's options, 'roster --version' for the version.
Settings: docs/configuration.md. Running it in production: docs/deployment.md.

Exit status, for every command:
  0  done
  1  the command failed (no such tenant or token, database missing or unreachable, port in use, ...)
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
  org: `Usage: roster org create <slug> [--database URL]
       roster org list [--database URL]

An organization's SCIM base URL is /scim/v2/organizations/<slug>.`,
  enterprise: `Usage: roster enterprise create <slug> [--database URL]
       roster enterprise list [--database URL]

An enterprise's SCIM base URL is /scim/v2/enterprises/<slug>.`,
  token: `Usage: roster token create (--org <slug> | --enterprise <slug> | --instance) [--name N]
                           [--expires-in DAYS | --no-expiry]
       roster token list [--org <slug> | --enterprise <slug> | --instance]
       roster token revoke <id>

'token create' prints the token alone on the last line; it is shown once and stored only as a hash.
  --expires-in DAYS   lifetime in whole days, 1 to 3650 (default 365)
  --no-expiry         a token that never expires: only when asked for
'token list' shows each token's status (active, expired, revoked) and expiry.`,
  migrate: `Usage: roster migrate [--database URL]

Creates the database schema, or upgrades it, and says what it did: "created schema version N",
"migrated from schema version N to M" or "already at schema version N". serve does this too at
start. A database migrated by a newer Roster is refused.`,
  backup: `Usage: roster backup <file> [--database URL]

Writes a consistent copy of a SQLite database to <file> (which must not exist), also while
servers write to it: a single file, compacted and checked. To restore, stop the servers and put
the copy in the database's place (docs/deployment.md). For PostgreSQL use pg_dump instead.`,
} as const

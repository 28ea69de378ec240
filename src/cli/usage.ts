/** The help text of each command; `roster <command> --help` prints it. */
export const USAGE = {
  main: `Usage: roster <command> [options]

Commands:
  serve                      start the SCIM server
  org create <slug>          create an organization tenant
  org list                   list organization tenants
  enterprise create <slug>   create an enterprise tenant
  enterprise list            list enterprise tenants
  token create               create a bearer token for a tenant (shown once)
  token list                 list tokens
  token revoke <id>          revoke a token
  migrate                    create or upgrade the database schema

Every command takes --database URL (or ROSTER_DATABASE_URL); default sqlite:./data/roster.db.
Run 'roster <command> --help' for a command's options.`,
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
Other settings: ROSTER_PUBLIC_URL (base URL in meta.location), ROSTER_LOG_LEVEL (info).
GET /healthz answers 200, or 503 while the database cannot be reached.`,
  org: `Usage: roster org create <slug> [--database URL]
       roster org list [--database URL]

An organization's SCIM base URL is /scim/v2/organizations/<slug>.`,
  enterprise: `Usage: roster enterprise create <slug> [--database URL]
       roster enterprise list [--database URL]

An enterprise's SCIM base URL is /scim/v2/enterprises/<slug>.`,
  token: `Usage: roster token create (--org <slug> | --enterprise <slug> | --instance) [--name N] [--expires-in DAYS]
       roster token list [--org <slug> | --enterprise <slug> | --instance]
       roster token revoke <id>

'token create' prints the token alone on the last line; it is shown once and stored only as a hash.`,
  migrate: `Usage: roster migrate [--database URL]

Creates or upgrades the database schema (serve does this too at start).`,
} as const

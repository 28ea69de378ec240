/**
 * Why a server could not listen, in words that say what to change. Node's own messages
 * (`listen EADDRINUSE: address already in use`, and in a cluster worker `bind EADDRINUSE
 * null:8080`) name system calls, not the setting at fault.
 */
export function listenFailure(error: unknown, host: string, port: number): Error {
  const code = (error as { code?: unknown } | null)?.code
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`
  switch (code) {
    case 'EADDRINUSE':
      return new Error(
        `cannot listen on ${where}: the port is in use by another process; stop it, or choose another port ` +
          'with --port or ROSTER_PORT',
      )
    case 'EACCES':
      return new Error(
        `cannot listen on ${where}: permission denied (ports below 1024 need privileges); ` +
          'choose a port from 1024 with --port or ROSTER_PORT, behind a reverse proxy',
      )
    case 'EADDRNOTAVAIL':
      return new Error(
        `cannot listen on ${where}: '${host}' is not an address of this machine; check --host or ROSTER_HOST`,
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new Error(
        `cannot listen on ${where}: the host name '${host}' does not resolve; check --host or ROSTER_HOST`,
      )
    default:
      return error instanceof Error ? error : new Error(String(error))
  }
}

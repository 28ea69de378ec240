import net from 'node:net'

/**
 * A TCP proxy to a database server, to lose connections on purpose without touching the server
 * (other tests use it): `cut()` drops every connection and refuses new ones until `restore()`;
 * `dropWhen(text)` drops, once, the connection on which the client next sends `text`, before
 * the server sees it.
 */
export interface TcpProxy {
  readonly port: number
  cut(): void
  restore(): void
  dropWhen(text: string): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>()
  let refusing = false
  let trap: { text: Buffer; sprung: () => void } | undefined
  const server = net.createServer((client) => {
    if (refusing) return void client.destroy()
    const upstream = net.connect(target.port, target.host)
    const pair: [net.Socket, net.Socket] = [client, upstream]
    pairs.add(pair)
    const drop = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('data', (data: Buffer) => {
      if (trap && data.includes(trap.text)) {
        const { sprung } = trap
        trap = undefined
        drop()
        return sprung()
      }
      upstream.write(data)
    })
    upstream.on('data', (data: Buffer) => client.write(data))
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const cutAll = () => {
    for (const [client, upstream] of pairs) {
      client.destroy()
      upstream.destroy()
    }
    pairs.clear()
  }
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      refusing = true
      cutAll()
    },
    restore() {
      refusing = false
    },
    dropWhen(text) {
      return new Promise((resolve) => (trap = { text: Buffer.from(text), sprung: resolve }))
    },
    close() {
      cutAll()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

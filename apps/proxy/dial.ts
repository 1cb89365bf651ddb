/**
 * Opening a TCP (or TLS) connection to an upstream within a deadline, for
 * tunnels and for the origin pool alike: refused or unreachable is a 502,
 * too slow a 504, each with a message naming the upstream.
 */
import type { Socket, SocketHandler } from "bun";

/** Why an upstream could not be reached or answered wrongly: the status the client gets. */
export class UpstreamError extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Connect to `host:port` with `handlers`, carrying `data`; rejects with an UpstreamError.
 * @example const s = await dial("example.com", 80, {}, handlers, { connectMs: 10_000 })
 */
export async function dial<T>(
  host: string,
  port: number,
  data: T,
  handlers: SocketHandler<T>,
  opts: { connectMs: number; tls?: boolean },
): Promise<Socket<T>> {
  let timer: Timer | undefined;
  let late = false;
  const connecting = Bun.connect<T>({ hostname: host, port, tls: opts.tls, data, socket: handlers });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(
        new UpstreamError(504, `upstream ${host}:${port} did not accept the connection within ${opts.connectMs} ms`),
      );
    }, opts.connectMs);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (err) {
    if (late) connecting.then((s) => s.end()).catch(() => {});
    if (err instanceof UpstreamError) throw err;
    const code = (err as { code?: string }).code;
    throw new UpstreamError(
      502,
      `cannot connect to upstream ${host}:${port}: ${code ? `${code}, ` : ""}${(err as Error).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

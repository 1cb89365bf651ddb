/**
 * proxy: a standard HTTP/1.1 forward proxy (curl -x, requests, git, npm), or
 * with `--upstream URL…` a load-balancing reverse proxy.
 *   pulsar run proxy --workers 2
 *   pulsar run proxy --upstream http://10.0.0.1:8080 --upstream http://10.0.0.2:8080
 *
 * Why Bun.listen and not Bun.serve: Bun 1.4's Bun.serve does route CONNECT
 * and absolute-form requests to `fetch` (tried: `CONNECT h:443` arrives with
 * `req.url` "h:443"), but it gives no way to take the socket over. A Response
 * to CONNECT is written as an ordinary chunked HTTP response, and the bytes
 * the client sends after the head (the TLS ClientHello) are parsed as the next
 * HTTP request (oven-sh/bun#18583 and #34261 discuss this; `server.upgrade` is
 * websocket only). node:http's `connect` event works, but puts node streams
 * on every request. So each worker listens with Bun.listen (reusePort), reads
 * request heads with a small strict parser (head.ts: 64 KiB limit, specific
 * 400/431/501/505 reasons), relays ordinary requests to http upstreams over
 * its own pooled keep-alive connections (origin.ts), to https upstreams with
 * fetch (`decompress: false`, `redirect: "manual"`), and pipes CONNECT and
 * websocket upgrades as raw bytes with backpressure (tunnel.ts).
 *
 * Known difference from a byte-exact relay: trailers are dropped, and over
 * https fetch adds `User-Agent: Bun/…` and `Accept: *\/*` when missing.
 */
import { hostname } from "node:os";
import type { Socket, TCPSocketListener } from "bun";
import type { Actor } from "../../src/actor/actor.ts";
import type { WorkerBody } from "../../src/actor/application.ts";
import type { AppSettings } from "../../src/config/resolve.ts";
import { ConfigError } from "../../src/errors.ts";
import { parseBind } from "../../src/server/bind.ts";
import { DRAIN_WINDOW_MS, HttpServer, type HttpServerOptions } from "../../src/server/http-server.ts";
import { Connection, type ProxyContext } from "./connection.ts";
import { OriginPool } from "./origin.ts";
import { proxySettings } from "./settings.ts";
import { Upstreams } from "./upstreams.ts";

/** Build the per-worker context of a proxy listening on `port`. */
export function proxyContext(
  cfg: Partial<AppSettings>,
  port: number,
  log: (line: string) => void,
  warn: (line: string) => void = log,
): ProxyContext {
  const settings = proxySettings(cfg);
  return {
    settings,
    via: `pulsar-${hostname()}:${port}`,
    upstreams: settings.upstream.length ? new Upstreams(settings.upstream) : undefined,
    origins: new OriginPool(),
    keepAlive: cfg.keep_alive ?? 15,
    draining: false,
    countRequest() {},
    log,
    warn,
  };
}

/**
 * Listen on `hostname:port` and proxy; returns the listener and its connections.
 * @example const { listener } = listenProxy("127.0.0.1", 0, (port) => proxyContext({}, port, console.log))
 */
export function listenProxy(
  host: string,
  port: number,
  makeContext: (port: number) => ProxyContext,
  tls?: { cert: string; key: string },
): { listener: TCPSocketListener<Connection>; ctx: ProxyContext; connections: Set<Connection> } {
  const connections = new Set<Connection>();
  let ctx: ProxyContext | undefined;
  // reusePort works on Bun.listen (each worker binds the shared port), though bun-types lists it only for connect.
  const options: Bun.TCPSocketListenOptions<Connection> & { reusePort: boolean } = {
    hostname: host,
    port,
    reusePort: true,
    tls,
    socket: {
      open(socket: Socket<Connection>) {
        socket.data = new Connection(socket, ctx as ProxyContext);
        connections.add(socket.data);
      },
      data: (socket, chunk) => socket.data.onData(chunk),
      drain: (socket) => socket.data.writer.drain(),
      timeout: (socket) => socket.data.onTimeout(),
      close(socket) {
        socket.data?.onClose();
        connections.delete(socket.data);
      },
      error(socket) {
        socket.data?.onClose();
        connections.delete(socket.data);
      },
    },
  };
  const listener = Bun.listen<Connection>(options);
  ctx = makeContext(listener.port);
  return { listener, ctx, connections };
}

/** The proxy application: HttpServer's supervision, `:0` and TLS handling, with Bun.listen workers. */
class ProxyServer extends HttpServer {
  override configure(cfg: AppSettings, log: { info(m: string): void; warn(m: string): void }): void {
    super.configure(cfg, log);
    const s = proxySettings(cfg);
    if (s.upstream.length) log.info(`reverse proxy over ${s.upstream.join(", ")}`);
    for (const entry of cfg.bind) {
      const { hostname: h } = parseBind(entry);
      if (!s.upstream.length && !s.proxyAuth && !["127.0.0.1", "::1", "localhost"].includes(h))
        log.warn(`the forward proxy listens on ${entry} without proxy_auth: anyone who can reach it can use it`);
    }
    if (s.proxyAuth && !s.proxyAuth.includes(":")) throw new ConfigError("proxy_auth must be USER:PASSWORD");
  }

  override async serve(actor: Actor, cfg: AppSettings): Promise<WorkerBody> {
    const tls = cfg.cert_file
      ? { cert: await Bun.file(cfg.cert_file).text(), key: await Bun.file(cfg.key_file).text() }
      : undefined;
    const log = (line: string) => actor.log.info(line);
    const warn = (line: string) => actor.log.warn(line);
    const servers = cfg.bind
      .map(parseBind)
      .map((addr) =>
        listenProxy(
          addr.hostname,
          addr.port,
          (port) => ({ ...proxyContext(cfg, port, log, warn), countRequest: () => actor.countRequest() }),
          tls,
        ),
      );
    const gauge = setInterval(() => {
      actor.connections = servers.reduce((n, s) => n + s.connections.size, 0);
    }, 1000);
    gauge.unref();
    return {
      ready: {
        ports: servers.map((s) => s.listener.port),
        urls: servers.map((s) => `${tls ? "https" : "http"}://${s.listener.hostname}:${s.listener.port}/`),
      },
      async stop(graceMs: number) {
        clearInterval(gauge);
        const deadline = Date.now() + graceMs;
        // As HttpServer does: every response now says `Connection: close`, and idle
        // keep-alive clients get a window to send their next request before their
        // connection closes; closing it at once would race with a request in flight.
        for (const s of servers) s.ctx.draining = true;
        await Bun.sleep(Math.min(DRAIN_WINDOW_MS, graceMs / 2));
        for (const s of servers) {
          s.listener.stop(false);
          for (const c of s.connections) c.drain();
        }
        while (Date.now() < deadline && servers.some((s) => s.connections.size > 0)) await Bun.sleep(50);
        for (const s of servers) {
          s.listener.stop(true);
          s.ctx.origins.close();
        }
      },
    };
  }
}

/** The `proxy` app: `pulsar run proxy`. */
export function proxy(options: HttpServerOptions = {}): HttpServer {
  return new ProxyServer(() => new Response(null, { status: 500 }), { name: "proxy", ...options });
}

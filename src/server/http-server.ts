/**
 * HttpServer: an application whose workers each run `Bun.serve` with
 * `reusePort` on the shared address. It takes a fetch function, a Hono app or
 * `{ fetch, websocket }`, counts requests (max_requests, info), and stops
 * gracefully: while draining every response says `Connection: close`, so
 * keep-alive clients move to the other workers without a failed request.
 * Apps always see an absolute URL, and an `Expect: 100-continue` request
 * answered without reading its body closes its connection (see below). In a
 * Worker thread each handler starts on the next turn, so a thread that dies
 * under a request drops it instead of answering 204 (see `nextTurn`).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import type { Actor } from "../actor/actor.ts";
import { Application, type AppOptions, type MonitorView, type WorkerBody } from "../actor/application.ts";
import type { AppSettings } from "../config/resolve.ts";
import { ConfigError } from "../errors.ts";
import { CLOSE } from "../ws/socket.ts";
import { isRelative, withAbsoluteUrl } from "./absolute-url.ts";
import { type Address, parseBind, urlOf } from "./bind.ts";
import { type Handler, type Servable, toServable } from "./handler.ts";
import { type Listen, listensOn } from "./probe.ts";

export interface HttpServerOptions extends AppOptions {}

/** How long a draining worker keeps accepting while its clients learn `Connection: close`. */
export const DRAIN_WINDOW_MS = 500;

const MIGRATE = "/proc/sys/net/ipv4/tcp_migrate_req";

/**
 * Serve `handler` under the arbiter, with every setting (bind, workers, TLS…).
 * @example
 * new HttpServer(() => new Response("Hello World!\n"), { name: "hello" }).start();
 */
export class HttpServer extends Application {
  readonly #handler: Handler;

  constructor(handler: Handler, options: HttpServerOptions = {}) {
    super({ name: "http", ...options });
    this.#handler = handler;
  }

  /** The handler a worker serves; an app that needs its settings to build one overrides this. */
  protected handler(_cfg: AppSettings, _actor: Actor): Handler | Promise<Handler> {
    return this.#handler;
  }

  override listens(cfg: AppSettings): Listen[] {
    return listensOn(cfg.bind, "tcp");
  }

  override startsOneFirst(cfg: AppSettings): boolean {
    return cfg.bind.some((b) => parseBind(b).port === 0);
  }

  override configure(cfg: AppSettings, log: { info(m: string): void; warn(m: string): void }): void {
    for (const key of ["cert_file", "key_file"] as const) {
      if (cfg[key] && !existsSync(cfg[key])) throw new ConfigError(`${key} ${cfg[key]} does not exist`);
    }
    if (Boolean(cfg.cert_file) !== Boolean(cfg.key_file))
      throw new ConfigError("TLS needs both cert_file and key_file");
    if (process.platform !== "linux") {
      if (cfg.workers > 1 && cfg.concurrency === "process") {
        log.warn(`reusePort balances only on Linux; running 1 worker instead of ${cfg.workers}`);
        cfg.workers = 1;
      }
      return;
    }
    enableMigrate(log);
  }

  override workerReady(monitor: MonitorView, info: Record<string, unknown>, first: boolean): void {
    if (!first) return;
    const ports = (info.ports as number[] | undefined) ?? [];
    monitor.cfg.bind = monitor.cfg.bind.map((entry, i) => {
      const addr = parseBind(entry);
      return addr.port === 0 && ports[i] ? `${entry.replace(/:0$/, "")}:${ports[i]}` : entry;
    });
    const tls = Boolean(monitor.cfg.cert_file);
    for (const entry of monitor.cfg.bind)
      monitor.log.info(`${monitor.name} listening on ${urlOf(parseBind(entry), tls)}`);
  }

  override async serve(actor: Actor, cfg: AppSettings): Promise<WorkerBody> {
    const app: Servable = toServable(await this.handler(cfg, actor));
    let draining = false;
    const handle = (req: Request, server: Server<unknown>) => {
      actor.countRequest();
      if (app.absoluteUrl && isRelative(req)) [req, server] = withAbsoluteUrl(req, server);
      const res = app.fetch(req, server);
      if (!draining && !expectsContinue(req)) return res;
      const close = (r: Response | undefined) => (draining || !req.bodyUsed ? closing(r) : r);
      return res instanceof Promise ? res.then(close) : close(res);
    };
    const fetch = Bun.isMainThread ? handle : nextTurn(handle);
    const tls = cfg.cert_file
      ? { cert: readFileSync(cfg.cert_file, "utf8"), key: readFileSync(cfg.key_file, "utf8") }
      : undefined;
    // Open websockets, to close with 1001 on a reload: Bun's stop() would cut them at the
    // deadline with no close frame (1006), and their clients would wait that long to move on.
    const sockets = new Set<ServerWebSocket<unknown>>();
    const websocket = app.websocket ? tracked(app.websocket, sockets) : undefined;
    const addresses = cfg.bind.map(parseBind);
    const servers = addresses.map((addr: Address) =>
      Bun.serve({
        hostname: addr.hostname,
        port: addr.port,
        reusePort: true,
        fetch,
        ...(websocket ? { websocket } : {}),
        idleTimeout: cfg.keep_alive,
        maxRequestBodySize: cfg.stream_buffer,
        development: false,
        tls,
        error(err) {
          actor.log.error(`unhandled error: ${err.stack ?? err.message}`);
          return new Response("Internal Server Error\n", { status: 500, headers: { "content-type": "text/plain" } });
        },
      } as Bun.Serve.Options<unknown>),
    );
    const gauge = setInterval(() => {
      actor.connections = servers.reduce((n, s) => n + s.pendingRequests + s.pendingWebSockets, 0);
    }, 1000);
    gauge.unref();
    return {
      ready: { ports: servers.map((s) => s.port), urls: servers.map((s) => s.url.href) },
      async stop(graceMs: number) {
        clearInterval(gauge);
        // From now on every response closes its connection, so keep-alive clients
        // move to a sibling by themselves. Closing a kept-alive connection under a
        // client would race with its next request, so the listeners stay open for a
        // short window first; then stop() closes them (tcp_migrate_req hands what
        // is queued to a sibling) and the connections that remain idle.
        draining = true;
        const deadline = Date.now() + graceMs;
        await Bun.sleep(Math.min(DRAIN_WINDOW_MS, graceMs / 2));
        for (const ws of sockets) ws.close(CLOSE.GOING_AWAY, "server restarting");
        const all = Promise.all(servers.map((s) => s.stop(false)));
        await Promise.race([all, Bun.sleep(Math.max(0, deadline - Date.now()))]);
        await Promise.all(servers.map((s) => s.stop(true)));
      },
    };
  }
}

type Fetch = (req: Request, server: Server<unknown>) => Response | undefined | Promise<Response | undefined>;

/**
 * `fetch`, run on the next turn of the event loop. When a Worker thread ends
 * (process.exit in a handler, or the arbiter terminating a silent one) while
 * Bun is dispatching a request to JavaScript, Bun answers that request
 * `204 No Content`, and the client takes a lost request for a success
 * (Bun 1.4.4). Requests that are merely awaiting lose their connection
 * instead, as they do when a worker process dies. Bun drains microtasks
 * within the dispatch, so a promise is not enough: the handler runs from
 * setImmediate, outside it. Only threads pay this (one timer turn a
 * request); a dying process takes its sockets with it.
 */
function nextTurn(fetch: Fetch): Fetch {
  return (req, server) =>
    new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(fetch(req, server));
        } catch (err) {
          reject(err);
        }
      }),
    );
}

/** `handler`, keeping `sockets` to the websockets now open. */
// biome-ignore lint/suspicious/noExplicitAny: websocket data is the app's own
function tracked(handler: WebSocketHandler<any>, sockets: Set<ServerWebSocket<unknown>>): WebSocketHandler<any> {
  return {
    ...handler,
    open(ws) {
      sockets.add(ws);
      return handler.open?.(ws);
    },
    close(ws, code, reason) {
      sockets.delete(ws);
      return handler.close?.(ws, code, reason);
    },
  };
}

/**
 * Bun (uWS) sends `100 Continue` before fetch runs, whatever the handler does
 * next. A final answer that leaves the body unread (a 417, a 405, a refusal)
 * may then reach a client that never sent the body: curl, seeing 100 and 417
 * in one read, re-sends the request on the same connection, and Bun reads that
 * as the body it is still owed (a 400). Such an answer closes the connection
 * (RFC 9110 §10.1.1 lets the server choose), so the client's next request
 * starts clean. GET and HEAD are not looked at: they carry no body, and this
 * runs on every request.
 */
function expectsContinue(req: Request): boolean {
  if (req.method === "GET" || req.method === "HEAD") return false;
  return req.headers.get("expect")?.toLowerCase() === "100-continue";
}

function closing(res: Response | undefined): Response | undefined {
  if (!res) return res;
  try {
    res.headers.set("Connection", "close");
    return res;
  } catch {
    const copy = new Response(res.body, res);
    copy.headers.set("Connection", "close");
    return copy;
  }
}

let migrateChecked = false;
/**
 * With SO_REUSEPORT each listener has its own accept queue, and closing one
 * drops what is queued on it. Linux ≥ 5.14 can migrate those connections to a
 * sibling listener (net.ipv4.tcp_migrate_req); turn it on when allowed.
 */
function enableMigrate(log: { info(m: string): void; warn(m: string): void }): void {
  if (migrateChecked) return;
  migrateChecked = true;
  try {
    if (readFileSync(MIGRATE, "utf8").trim() === "1") return;
  } catch {
    log.warn(
      "this kernel has no net.ipv4.tcp_migrate_req: a reload may reset connections queued on a closing listener",
    );
    return;
  }
  try {
    writeFileSync(MIGRATE, "1");
    log.info("enabled net.ipv4.tcp_migrate_req so that reloads hand queued connections to a sibling worker");
  } catch {
    log.warn(
      "net.ipv4.tcp_migrate_req is off (set it to 1 as root): a reload may reset connections queued on a closing listener",
    );
  }
}

/**
 * Websocket routes for an app, in the original's spirit: handlers with
 * `onOpen`, `onMessage`, `onClose`, `onPing` and `onDrain` (any may be async;
 * a socket's messages are handled in order), mounted on a route. Per route: a
 * message-size limit (over it: close 1009), a bounded send buffer (past it:
 * close 1008 and a log line), an idle timeout with pings. Topics can be bound
 * to a pub/sub channel, so a message published on any worker reaches them.
 *
 * Bun has one websocket handler per server: `sockets.websocket` is it, and it
 * hands the sockets of Hono's `upgradeWebSocket` to Hono, so both work at once.
 */
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { websocket as honoWebsocket } from "hono/bun";
import { createLogger, type Logger } from "../log/logger.ts";
import type { PubSub, Subscription } from "../pubsub/hub.ts";
import { CLOSE, type SocketHost, WsSocket } from "./socket.ts";

export interface WsOptions {
  /** The largest message accepted, in bytes; a bigger one closes the socket with 1009 (default 1 MiB). */
  maxMessageSize?: number;
  /** Bytes that may wait in a socket's send buffer; past it the client is closed with 1008 (default 1 MiB). */
  maxBuffered?: number;
  /** Seconds with nothing from the client (its pongs count) before it is closed with 1001 (default 60; 0: never). */
  idleTimeout?: number;
  /** Seconds between pings to a quiet client (default: half the idle timeout). */
  pingInterval?: number;
  /** Topics each socket of the route joins when it opens. */
  topics?: string[];
}

/** A websocket route's handlers. */
export interface WsHandler<T = unknown> {
  /** Per-connection data from the upgrade request (a user, a room…); a throw refuses the upgrade with 400. */
  data?(req: Request): T | Promise<T>;
  onOpen?(ws: WsSocket<T>): unknown;
  onMessage?(ws: WsSocket<T>, message: string | Uint8Array): unknown;
  onClose?(ws: WsSocket<T>, code: number, reason: string): unknown;
  onPing?(ws: WsSocket<T>, data: Uint8Array): unknown;
  onDrain?(ws: WsSocket<T>): unknown;
}

interface Route {
  handler: WsHandler<unknown>;
  maxMessageSize: number;
  maxBuffered: number;
  idleMs: number;
  pingMs: number;
  topics: string[];
  host: SocketHost;
}

const OURS = Symbol.for("pulsar.ws");
type Data = { [OURS]?: { route: Route; socket?: WsSocket; user: unknown; ip: string } };
/** Hono's context, as much as a route needs of it. */
type HonoContext = { req: { raw: Request }; env: unknown };

/** A websocket route: a Hono handler (`app.get(path, route)`), or `route.fetch(req, server)` in a plain fetch. */
export type WsRoute = ((c: HonoContext) => Promise<Response>) & {
  fetch(req: Request, server: Server<unknown> | undefined): Promise<Response | undefined>;
};

// Bun's own limits sit above every route's, so that ours act first (with our codes and log lines).
const MAX_MESSAGE = 16 * 1024 * 1024;
const MAX_BUFFERED = 64 * 1024 * 1024;

/**
 * @example
 * const sockets = new WebSockets();
 * app.get("/echo", sockets.route({ onMessage: (ws, m) => ws.send(m) }, { maxMessageSize: 4096 }));
 * export default { fetch: app.fetch, websocket: sockets.websocket };
 */
export class WebSockets {
  readonly log: Logger;
  readonly #topics = new Map<string, Set<WsSocket>>();
  readonly #sockets = new Set<WsSocket>();
  readonly #servers = new Set<Server<unknown>>();
  #sweep: Timer | undefined;
  /** How often the sweep runs: often enough for the shortest ping interval of any route. */
  #tick = 1000;
  readonly websocket: WebSocketHandler<Data>;

  constructor(options: { log?: Logger } = {}) {
    this.log = options.log ?? createLogger("ws");
    this.websocket = this.#handler();
  }

  /** Open sockets on this worker. */
  get count(): number {
    return this.#sockets.size;
  }

  /** Sockets in `topic` on this worker. */
  members(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /**
   * A route handler that upgrades to a websocket: for Hono (`app.get(path, route)`)
   * or a plain fetch (`route(req, server)`). Not a websocket request: 426.
   */
  route<T>(handler: WsHandler<T>, options: WsOptions = {}): WsRoute {
    const idle = options.idleTimeout ?? 60;
    const route: Route = {
      handler: handler as WsHandler<unknown>,
      maxMessageSize: Math.min(options.maxMessageSize ?? 1024 * 1024, MAX_MESSAGE),
      maxBuffered: Math.min(options.maxBuffered ?? 1024 * 1024, MAX_BUFFERED),
      idleMs: idle * 1000,
      pingMs: (options.pingInterval ?? idle / 2) * 1000,
      topics: options.topics ?? [],
      host: {
        maxBuffered: Math.min(options.maxBuffered ?? 1024 * 1024, MAX_BUFFERED),
        log: this.log,
        joined: (s, t) => {
          const set = this.#topics.get(t) ?? new Set();
          this.#topics.set(t, set);
          set.add(s);
        },
        left: (s, t) => {
          const set = this.#topics.get(t);
          set?.delete(s);
          if (set && !set.size) this.#topics.delete(t);
        },
      },
    };
    if (route.idleMs) this.#tick = Math.max(100, Math.min(this.#tick, route.pingMs / 2, route.idleMs / 4));
    const upgrade = async (req: Request, server: Server<unknown> | undefined): Promise<Response | undefined> => {
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket" || !server?.upgrade)
        return new Response("Upgrade Required: this route speaks websocket\n", {
          status: 426,
          headers: { upgrade: "websocket", connection: "Upgrade", "content-type": "text/plain" },
        });
      let user: unknown;
      try {
        user = handler.data ? await handler.data(req) : undefined;
      } catch (err) {
        return new Response(`Bad Request: ${(err as Error).message}\n`, { status: 400 });
      }
      const ip = server.requestIP(req)?.address ?? "unknown";
      this.#servers.add(server);
      if (server.upgrade(req, { data: { [OURS]: { route, user, ip } } })) return undefined;
      return new Response("Bad Request: websocket handshake failed\n", { status: 400 });
    };
    // Bun ignores what fetch returns once it has upgraded; Hono wants a Response all the same.
    const hono = async (c: HonoContext) => (await upgrade(c.req.raw, c.env as Server<unknown>)) ?? new Response(null);
    return Object.assign(hono, { fetch: upgrade });
  }

  /**
   * Send `message` to every socket of `topic` on this worker (in one go, by Bun),
   * then close the ones whose buffer is past their bound.
   */
  publish(topic: string, message: string | Uint8Array): number {
    const set = this.#topics.get(topic);
    if (!set?.size) return 0;
    for (const server of this.#servers) server.publish(topic, message);
    for (const s of set) if (s.overLimit) s.overflow();
    return set.size;
  }

  /**
   * Feed `topic` from a pub/sub channel: whatever is published on `channel`, on any
   * worker (or machine, with Redis), goes to this worker's sockets of `topic`.
   * @example await sockets.bind("chat", await createPubSub())
   */
  bind(topic: string, pubsub: PubSub, channel = topic): Promise<Subscription> {
    return pubsub.subscribe(channel, (message) => {
      this.publish(topic, message);
    });
  }

  /** Close every socket (a worker that stops). */
  closeAll(code: number = CLOSE.GOING_AWAY, reason = "server going away"): void {
    for (const s of this.#sockets) s.close(code, reason);
  }

  #handler(): WebSocketHandler<Data> {
    const hono = honoWebsocket as unknown as WebSocketHandler<unknown>;
    const run = (socket: WsSocket, fn: () => unknown) => {
      const call = () => {
        try {
          const r = fn();
          if (r instanceof Promise) return r.catch((err) => this.#failed(socket, err));
        } catch (err) {
          this.#failed(socket, err);
        }
        return undefined;
      };
      // Keep the order of a socket's events even when a handler awaits.
      if (socket.chain) socket.chain = socket.chain.then(call);
      else {
        const r = call();
        if (r)
          socket.chain = r.finally(() => {
            if (socket.chain === r) socket.chain = null;
          });
      }
    };
    return {
      maxPayloadLength: MAX_MESSAGE,
      backpressureLimit: MAX_BUFFERED,
      closeOnBackpressureLimit: false,
      // Our own per-route idle timeout and pings replace Bun's server-wide ones.
      idleTimeout: 0,
      sendPings: false,
      open: (ws: ServerWebSocket<Data>) => {
        const ours = ws.data?.[OURS];
        if (!ours) return hono.open?.(ws as ServerWebSocket<unknown>);
        const { route } = ours;
        const socket = new WsSocket(ws as ServerWebSocket<unknown>, ours.user, ours.ip, route.host);
        ours.socket = socket;
        this.#sockets.add(socket);
        for (const t of route.topics) socket.subscribe(t);
        this.#startSweep();
        if (route.handler.onOpen) run(socket, () => route.handler.onOpen?.(socket));
      },
      message: (ws, message) => {
        const ours = ws.data?.[OURS];
        if (!ours?.socket) return hono.message?.(ws as ServerWebSocket<unknown>, message);
        const { route, socket } = ours;
        socket.lastSeen = Date.now();
        if (tooBig(message, route.maxMessageSize)) {
          this.log.warn(
            `closing websocket client ${socket.remoteAddress}: a message over ${route.maxMessageSize} bytes`,
          );
          socket.close(CLOSE.TOO_BIG, `message over ${route.maxMessageSize} bytes`);
          return;
        }
        if (route.handler.onMessage) run(socket, () => route.handler.onMessage?.(socket, message));
      },
      close: (ws, code, reason) => {
        const ours = ws.data?.[OURS];
        if (!ours?.socket) return hono.close?.(ws as ServerWebSocket<unknown>, code, reason);
        const { route, socket } = ours;
        socket.closed();
        this.#sockets.delete(socket);
        if (!this.#sockets.size) this.#stopSweep();
        if (route.handler.onClose) run(socket, () => route.handler.onClose?.(socket, code, reason));
      },
      ping: (ws, data) => {
        const ours = ws.data?.[OURS];
        if (!ours?.socket) return;
        ours.socket.lastSeen = Date.now();
        if (ours.route.handler.onPing)
          run(ours.socket, () => ours.route.handler.onPing?.(ours.socket as WsSocket, data));
      },
      pong: (ws) => {
        const ours = ws.data?.[OURS];
        if (ours?.socket) ours.socket.lastSeen = Date.now();
      },
      drain: (ws) => {
        const ours = ws.data?.[OURS];
        if (!ours?.socket || !ours.route.handler.onDrain) return;
        run(ours.socket, () => ours.route.handler.onDrain?.(ours.socket as WsSocket));
      },
    };
  }

  #failed(socket: WsSocket, err: unknown): void {
    this.log.error(`a websocket handler failed: ${(err as Error)?.stack ?? err}`);
    socket.close(CLOSE.INTERNAL, "internal error");
  }

  /** Every tick: close the idle, ping the quiet. */
  #startSweep(): void {
    if (this.#sweep) return;
    this.#sweep = setInterval(() => {
      const now = Date.now();
      for (const s of this.#sockets) {
        const route = (s.raw.data as Data)[OURS]?.route;
        if (!route?.idleMs) continue;
        if (now - s.lastSeen > route.idleMs) {
          this.log.info(`closing websocket client ${s.remoteAddress}: idle for ${Math.round(route.idleMs / 1000)} s`);
          s.close(CLOSE.GOING_AWAY, "idle timeout");
        } else if (now - s.lastSeen >= route.pingMs && now - s.lastPing >= route.pingMs) s.ping();
      }
    }, this.#tick);
    this.#sweep.unref();
  }

  #stopSweep(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}

/** Is `message` over `limit` bytes? Cheap for the common case of short text. */
function tooBig(message: string | Uint8Array, limit: number): boolean {
  if (typeof message !== "string") return message.byteLength > limit;
  if (message.length * 3 <= limit) return false;
  if (message.length > limit) return true;
  return Buffer.byteLength(message) > limit;
}

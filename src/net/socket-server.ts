/**
 * SocketServer: an application whose workers each run `Bun.listen` with
 * `reusePort` on the shared address (TCP, or TLS with cert_file/key_file),
 * and speak a Protocol on every connection. Connections close after
 * `keep_alive` idle seconds; a stop closes the listener, lets busy
 * connections finish within exit_timeout and closes the idle ones.
 */
import { readFileSync } from "node:fs";
import type { Socket, TCPSocketListener } from "bun";
import type { Actor } from "../actor/actor.ts";
import type { AppOptions, WorkerBody } from "../actor/application.ts";
import type { AppSettings } from "../config/resolve.ts";
import { parseBind } from "../server/bind.ts";
import { Connection, type ConnectionHost, newStats } from "./connection.ts";
import { NetApplication, reportStats } from "./net-app.ts";
import type { Protocol } from "./protocol.ts";

export interface SocketServerOptions extends AppOptions {}

/** Makes a worker's protocol from its settings (a size limit, a greeting…). */
export type ProtocolFactory<S> = (cfg: AppSettings, actor: Actor) => Protocol<S> | Promise<Protocol<S>>;

/** How long a stopping worker lets connections finish what they are doing before closing the idle ones. */
const DRAIN_WINDOW_MS = 300;

/**
 * Serve a TCP `protocol` under the arbiter, with every setting (bind, workers, TLS…).
 * @example
 * new SocketServer({ data: (conn, chunk) => conn.write(chunk) }, { name: "echo" }).start();
 */
export class SocketServer<S = unknown> extends NetApplication {
  readonly #protocol: Protocol<S> | ProtocolFactory<S>;

  /** `protocol` is the protocol, or a function of the worker's settings that makes it. */
  constructor(protocol: Protocol<S> | ProtocolFactory<S>, options: SocketServerOptions = {}) {
    super({ name: "tcp", ...options });
    this.#protocol = protocol;
  }

  /** The protocol a worker speaks. */
  protected protocol(cfg: AppSettings, actor: Actor): Protocol<S> | Promise<Protocol<S>> {
    const p = this.#protocol;
    return typeof p === "function" ? p(cfg, actor) : p;
  }

  protected scheme(cfg: AppSettings): string {
    return cfg.cert_file ? "tls" : "tcp";
  }

  override async serve(actor: Actor, cfg: AppSettings): Promise<WorkerBody> {
    const protocol = await this.protocol(cfg, actor);
    const stats = newStats();
    reportStats(actor, stats);
    const conns = new Set<Connection<S>>();
    let emptied = () => {};
    const clock = { now: Date.now() };
    const host: ConnectionHost = {
      stats,
      highWater: Number(cfg.write_buffer ?? 2 ** 20),
      clock,
      onError: (conn, err) => {
        actor.log.error(`connection ${conn.id}: ${(err as Error)?.stack ?? String(err)}`);
        conn.abort();
      },
    };
    const tls = cfg.cert_file
      ? { cert: readFileSync(cfg.cert_file, "utf8"), key: readFileSync(cfg.key_file, "utf8") }
      : undefined;
    const handlers = {
      open(socket: Socket<Connection<S>>) {
        actor.countRequest();
        const conn = new Connection<S>(socket, host, protocol);
        socket.data = conn;
        conns.add(conn);
        conn._open();
      },
      data(socket: Socket<Connection<S>>, chunk: Uint8Array) {
        socket.data._data(chunk);
      },
      drain(socket: Socket<Connection<S>>) {
        socket.data._drain();
      },
      close(socket: Socket<Connection<S>>, error?: Error) {
        conns.delete(socket.data);
        if (conns.size === 0) emptied();
        socket.data?._close(error);
      },
      error(socket: Socket<Connection<S>>, error: Error) {
        actor.log.warn(`connection ${socket.data?.id}: ${error.message}`);
      },
    };
    const listeners: TCPSocketListener<Connection<S>>[] = cfg.bind.map(parseBind).map((addr) =>
      Bun.listen<Connection<S>>({
        hostname: addr.hostname,
        port: addr.port,
        // Not in Bun's listen types, but honoured: every worker binds the same port.
        ...({ reusePort: true } as object),
        tls,
        socket: handlers,
      }),
    );
    // The idle timeout is ours: Bun's socket.timeout() counts in coarse steps of
    // several seconds. One timer per worker ticks the clock and closes the idle.
    const idleMs = cfg.keep_alive * 1000;
    const tick = setInterval(
      () => {
        clock.now = Date.now();
        if (idleMs <= 0) return;
        for (const c of conns)
          if (clock.now - c.lastActive >= idleMs) {
            actor.log.debug(`connection ${c.id} idle for ${cfg.keep_alive}s; closing`);
            c.close();
          }
      },
      idleMs > 0 ? Math.max(50, Math.min(idleMs / 10, 1000)) : 1000,
    );
    tick.unref();
    return {
      ready: { ports: listeners.map((l) => l.port) },
      async stop(graceMs: number) {
        clearInterval(tick);
        const deadline = Date.now() + graceMs;
        for (const l of listeners) l.stop(false);
        await Bun.sleep(Math.min(DRAIN_WINDOW_MS, graceMs / 2));
        for (const c of conns) if (c.buffered === 0) c.close();
        if (conns.size) {
          const empty = new Promise<void>((resolve) => (emptied = resolve));
          await Promise.race([empty, Bun.sleep(Math.max(0, deadline - Date.now()))]);
        }
        for (const l of listeners) l.stop(true);
      },
    };
  }
}

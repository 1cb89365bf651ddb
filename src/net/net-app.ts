/**
 * What the TCP and UDP servers share as applications: the `:0` port that the
 * first worker picks and the others reuse, the `listening on` lines, the TLS
 * and platform checks, and the per-worker figures that `info` shows.
 */
import { existsSync } from "node:fs";
import type { Actor } from "../actor/actor.ts";
import { Application, type AppOptions, type MonitorView } from "../actor/application.ts";
import type { AppSettings } from "../config/resolve.ts";
import { defineSetting } from "../config/settings.ts";
import { ConfigError } from "../errors.ts";
import { parseBind } from "../server/bind.ts";
import { type Listen, listensOn } from "../server/probe.ts";
import type { NetStats } from "./connection.ts";

defineSetting({
  name: "write_buffer",
  type: "int",
  min: 1024,
  default: 2 ** 20,
  scope: "app",
  section: "socket",
  help: "Bytes a TCP connection may queue unsent before it stops reading from its client (backpressure).",
});

/** `tcp://127.0.0.1:8060`, with brackets for IPv6. */
export function netUrl(scheme: string, entry: string): string {
  const { hostname, port } = parseBind(entry);
  return `${scheme}://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

export abstract class NetApplication extends Application {
  constructor(options: AppOptions) {
    super(options);
  }

  /** The URL scheme of the `listening on` lines. */
  protected abstract scheme(cfg: AppSettings): string;

  override listens(cfg: AppSettings): Listen[] {
    return listensOn(cfg.bind, "tcp");
  }

  override startsOneFirst(cfg: AppSettings): boolean {
    return cfg.bind.some((b) => parseBind(b).port === 0);
  }

  override configure(cfg: AppSettings, log: { info(m: string): void; warn(m: string): void }): void {
    for (const b of cfg.bind) parseBind(b);
    for (const key of ["cert_file", "key_file"] as const) {
      if (cfg[key] && !existsSync(cfg[key])) throw new ConfigError(`${key} ${cfg[key]} does not exist`);
    }
    if (Boolean(cfg.cert_file) !== Boolean(cfg.key_file))
      throw new ConfigError("TLS needs both cert_file and key_file");
    if (process.platform !== "linux" && cfg.workers > 1 && cfg.concurrency === "process") {
      log.warn(`reusePort balances only on Linux; running 1 worker instead of ${cfg.workers}`);
      cfg.workers = 1;
    }
  }

  override workerReady(monitor: MonitorView, info: Record<string, unknown>, first: boolean): void {
    if (!first) return;
    const ports = (info.ports as number[] | undefined) ?? [];
    monitor.cfg.bind = monitor.cfg.bind.map((entry, i) =>
      parseBind(entry).port === 0 && ports[i] ? `${entry.trim().replace(/:0$/, "")}:${ports[i]}` : entry,
    );
    for (const entry of monitor.cfg.bind)
      monitor.log.info(`${monitor.name} listening on ${netUrl(this.scheme(monitor.cfg), entry)}`);
  }
}

/**
 * Show a worker's figures in `info` (live: read when asked): open connections
 * in the CONNS column, the total accepted and the bytes in and out in EXTRA.
 */
export function reportStats(actor: Actor, stats: NetStats): void {
  const live = (key: keyof NetStats) => ({ enumerable: true, configurable: true, get: () => stats[key] });
  Object.defineProperties(actor.extra, {
    accepted: live("total"),
    bytes_in: live("bytes_in"),
    bytes_out: live("bytes_out"),
  });
  Object.defineProperty(actor, "connections", { configurable: true, get: () => stats.connections, set() {} });
}

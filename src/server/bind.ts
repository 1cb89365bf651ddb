/** Parsing `bind` entries: `HOST:PORT`, `:PORT` (all interfaces), `HOST` (port 8060), `[::1]:PORT`. */
import { ConfigError } from "../errors.ts";

export const DEFAULT_PORT = 8060;

export interface Address {
  hostname: string;
  port: number;
}

/** HOST, HOST:PORT, :PORT or [IPv6]:PORT: one grammar for validation and parsing. */
export const BIND_RE = /^(\[[^\]]+\]|[^:]*)?(?::(\d+))?$/;

/** Parse a `bind` entry; one the grammar does not match is a ConfigError, never a silent 0.0.0.0. */
export function parseBind(entry: string): Address {
  const m = BIND_RE.exec(entry.trim());
  if (!m) throw new ConfigError(`bind entry ${JSON.stringify(entry)} is not HOST:PORT, :PORT, HOST or [IPv6]:PORT`);
  const host = (m?.[1] ?? "").replace(/^\[|\]$/g, "");
  return { hostname: host || "0.0.0.0", port: m?.[2] === undefined ? DEFAULT_PORT : Number(m[2]) };
}

/** `http://127.0.0.1:8060`, with brackets for IPv6. */
export function urlOf(addr: Address, tls: boolean): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `${tls ? "https" : "http"}://${host}:${addr.port}`;
}

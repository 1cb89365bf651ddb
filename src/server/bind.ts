/** Parsing `bind` entries: `HOST:PORT`, `:PORT` (all interfaces), `HOST` (port 8060), `[::1]:PORT`. */

export const DEFAULT_PORT = 8060;

export interface Address {
  hostname: string;
  port: number;
}

export function parseBind(entry: string): Address {
  const m = /^(\[[^\]]+\]|[^:]*)?(?::(\d+))?$/.exec(entry.trim());
  const host = (m?.[1] ?? "").replace(/^\[|\]$/g, "");
  return { hostname: host || "0.0.0.0", port: m?.[2] === undefined ? DEFAULT_PORT : Number(m[2]) };
}

/** `http://127.0.0.1:8060`, with brackets for IPv6. */
export function urlOf(addr: Address, tls: boolean): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `${tls ? "https" : "http"}://${host}:${addr.port}`;
}

/**
 * Who may use the proxy and where to: host allow and deny lists, the ports a
 * CONNECT tunnel may open, and Basic proxy authentication.
 */
import { timingSafeEqual } from "node:crypto";

/** `example.com` matches that host; `*.example.com` or `.example.com` its subdomains; `*` every host. */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  const p = pattern.toLowerCase().trim();
  if (p === "*") return true;
  if (p.startsWith("*.")) return h.endsWith(p.slice(1));
  if (p.startsWith(".")) return h.endsWith(p);
  return h === p.replace(/^\[|\]$/g, "");
}

/**
 * Why `host` is refused, or undefined when it is allowed: the deny list wins,
 * then a non-empty allow list must name it.
 * @example refusedHost("evil.test", [], ["*.test"]) // "host evil.test is denied by deny_hosts"
 */
export function refusedHost(host: string, allow: string[], deny: string[]): string | undefined {
  if (deny.some((p) => hostMatches(host, p))) return `host ${host} is denied by deny_hosts`;
  if (allow.length > 0 && !allow.some((p) => hostMatches(host, p))) return `host ${host} is not in allow_hosts`;
  return undefined;
}

/** Does `Proxy-Authorization` carry the Basic credentials `user:password`? */
export function authorized(header: string | undefined, credentials: string): boolean {
  if (!header) return false;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1], "base64");
  const want = Buffer.from(credentials, "utf8");
  return given.length === want.length && timingSafeEqual(given, want);
}

/** `host:port` of a CONNECT target (`[v6]:port` too), or undefined when malformed. */
export function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+):(\d{1,5})$/.exec(target);
  if (!m?.[1] || !m[2]) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ""), port };
}

/**
 * Which proxy a request goes through: the request's `proxy`, else the
 * session's, else (with `trustEnv`) HTTP_PROXY / HTTPS_PROXY / ALL_PROXY minus
 * the hosts NO_PROXY lists, read the way Bun's fetch reads them. The choice is
 * made here and handed to fetch as an explicit URL or `false`, so it never
 * depends on Bun's own reading of the env.
 */
import { bypassed } from "./no-proxy.ts";

export { bypassed } from "./no-proxy.ts";

/** A proxy URL, or false for a direct connection. */
export type ProxyOption = string | URL | false;

type Vars = Record<string, string | undefined>;

/** `""` and `''` are what `export X=""` leaves in some shells: Bun reads them as unset. */
const emptyish = (v: string) => v === "" || v === '""' || v === "''";

/** The lower-case variable unless unset or empty, else the upper-case one (Bun's and curl's order). */
function proxyVar(name: string, vars: Vars): string {
  const value = vars[name.toLowerCase()] || vars[name] || "";
  return emptyish(value) ? "" : value;
}

/** The NO_PROXY list in force: `no_proxy`, or `NO_PROXY` when that is unset, empty, `""` or `''`. */
export function noProxyList(vars: Vars = process.env): string {
  const lower = vars.no_proxy;
  const value = lower !== undefined && !emptyish(lower) ? lower : (vars.NO_PROXY ?? "");
  return emptyish(value) ? "" : value;
}

/** Bun skips an ALL_PROXY that names a scheme other than http(s) (`socks5://…`). */
const httpLike = (p: string) => !/^[a-z][a-z\d+.-]*:\/\//i.test(p) || /^https?:\/\//i.test(p);

/** The proxy the environment names for `url`, or false. */
export function proxyFromEnv(url: URL, vars: Vars = process.env): ProxyOption {
  if (bypassed(url, noProxyList(vars))) return false;
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const all = proxyVar("ALL_PROXY", vars);
  return proxyVar(secure ? "HTTPS_PROXY" : "HTTP_PROXY", vars) || (httpLike(all) ? all : "") || false;
}

const NO_PROXY_VARS = ["no_proxy", "NO_PROXY"] as const;

/**
 * Run `open` (a synchronous call that starts a connection, such as `new WebSocket(...)`) with
 * NO_PROXY hidden, so that the proxy it is given is used whatever NO_PROXY lists. Bun's
 * WebSocket applies NO_PROXY to its `proxy` option too and, unlike fetch, has no
 * `respectNoProxy: false` (Bun 1.4.4). It reads `process.env` while the constructor runs, and
 * each thread has its own `process.env`, so no other code can see the variables missing.
 * @example const ws = ignoringNoProxy(() => new WebSocket(url, { proxy }))
 */
export function ignoringNoProxy<T>(open: () => T, env: Vars = process.env): T {
  const saved = NO_PROXY_VARS.flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]] as const]));
  if (saved.length === 0) return open();
  for (const [k] of saved) delete env[k];
  try {
    return open();
  } finally {
    for (const [k, v] of saved) env[k] = v;
  }
}

/**
 * The variables the `http_proxy` setting exports, as the original pulsar did:
 * both cases, because proxyFromEnv (like curl) prefers the lower-case one, so
 * a user's own `http_proxy` would otherwise win. NO_PROXY stays the user's.
 * @example Object.assign(process.env, exportedProxyEnv("http://127.0.0.1:3128"))
 */
export function exportedProxyEnv(proxy: string): Record<string, string> {
  if (!proxy) return {};
  return { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy };
}

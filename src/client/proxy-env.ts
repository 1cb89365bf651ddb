/**
 * Which proxy a request goes through: the request's `proxy`, else the
 * session's, else (with `trustEnv`) HTTP_PROXY / HTTPS_PROXY / ALL_PROXY minus
 * the hosts NO_PROXY lists. The choice is made here and handed to fetch as an
 * explicit URL or `false`, so it never depends on Bun's own reading of the env.
 */

/** A proxy URL, or false for a direct connection. */
export type ProxyOption = string | URL | false;

const env = (name: string, vars: Record<string, string | undefined>) => vars[name.toLowerCase()] || vars[name] || "";

/** Does NO_PROXY (`*`, `host`, `.domain`, `host:port`, comma or space separated) exclude `url`? */
export function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" || url.protocol === "wss:" ? "443" : "80");
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const [name = "", entryPort] = entry.startsWith("[") ? entry.slice(1).split("]:") : entry.split(":");
    if (entryPort && entryPort !== port) continue;
    const domain = name.replace(/^\*?\./, "");
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/** The proxy the environment names for `url`, or false. */
export function proxyFromEnv(url: URL, vars: Record<string, string | undefined> = process.env): ProxyOption {
  if (bypassed(url, env("NO_PROXY", vars))) return false;
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const chosen = (secure ? env("HTTPS_PROXY", vars) : env("HTTP_PROXY", vars)) || env("ALL_PROXY", vars);
  return chosen || false;
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

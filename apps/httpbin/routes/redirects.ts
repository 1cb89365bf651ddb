/**
 * Redirects: /redirect/{n} (absolute with ?absolute=true), /relative-redirect/{n},
 * /absolute-redirect/{n}, and /redirect-to, which is no open redirect: it follows
 * relative URLs, and absolute ones only to hosts in the allowlist.
 */
import { Hono } from "hono";

const MAX_REDIRECTS = 100;

export function redirects(allowedHosts: string[]): Hono {
  const r = new Hono();
  const count = (raw: string) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= 1 && n <= MAX_REDIRECTS ? n : null;
  };
  const hop = (c: { req: { url: string } }, path: string, absolute: boolean) => {
    const location = absolute ? new URL(path, c.req.url).href : path;
    return new Response(null, { status: 302, headers: { location } });
  };
  const next = (kind: string, n: number) => (n === 1 ? "/get" : `/${kind}/${n - 1}`);
  const outOfRange = { error: `n must be a whole number from 1 to ${MAX_REDIRECTS}` };

  // n is digits or the route does not match (404), as python-httpbin's <int:n>; 0 is a 400 (python: 500).
  r.get("/redirect/:n{[0-9]+}", (c) => {
    const n = count(c.req.param("n"));
    if (!n) return c.json(outOfRange, 400);
    const absolute = c.req.query("absolute")?.toLowerCase() === "true";
    return hop(c, next(absolute ? "absolute-redirect" : "relative-redirect", n), absolute);
  });
  r.get("/relative-redirect/:n{[0-9]+}", (c) => {
    const n = count(c.req.param("n"));
    return n ? hop(c, next("relative-redirect", n), false) : c.json(outOfRange, 400);
  });
  r.get("/absolute-redirect/:n{[0-9]+}", (c) => {
    const n = count(c.req.param("n"));
    return n ? hop(c, next("absolute-redirect", n), true) : c.json(outOfRange, 400);
  });
  r.all("/redirect-to", (c) => {
    const url = c.req.query("url");
    const code = Number(c.req.query("status_code") ?? 302);
    if (!url) return c.json({ error: "missing url" }, 400);
    if (!(code >= 300 && code < 400)) return c.json({ error: "status_code must be 3xx" }, 400);
    let target: URL;
    try {
      target = new URL(url, c.req.url);
    } catch {
      return c.json({ error: "invalid url" }, 400);
    }
    const same = target.host === new URL(c.req.url).host;
    if (!same && !allowedHosts.includes(target.hostname))
      return c.json({ error: `redirect to ${target.hostname} is not allowed (see --httpbin-redirect-hosts)` }, 403);
    return new Response(null, {
      status: code,
      headers: { location: same ? target.pathname + target.search : target.href },
    });
  });
  return r;
}

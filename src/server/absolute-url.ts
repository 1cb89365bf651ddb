/**
 * An absolute URL for a request that came without one. With no Host to build
 * it from (HTTP/1.0, or an empty Host), Bun hands fetch the request target as
 * sent: `req.url` is "/get?a=1", which `new URL()` rejects and Hono's router,
 * reading the path after "//", misses (a 404 on every route but `/`). The
 * server's own origin stands in for the missing Host, as a CGI server's
 * SERVER_NAME and SERVER_PORT do (python-httpbin's url then names the bind
 * address, too).
 */
import type { Server } from "bun";

/** The server methods that look a request up by identity: they must see the one Bun made. */
const BY_REQUEST = new Set<PropertyKey>(["upgrade", "requestIP", "timeout"]);

/** Does Bun's URL for `req` lack its scheme and authority ("/path", not "http://host/path")? */
export function isRelative(req: Request): boolean {
  return req.url.charCodeAt(0) === 47; // "/"
}

/**
 * `req` at `server`'s origin, and a stand-in for `server` whose `upgrade`,
 * `requestIP` and `timeout` given the copy act on the original (Bun knows its
 * socket by the request it made; a copy has none).
 * @example
 * if (isRelative(req)) [req, server] = withAbsoluteUrl(req, server);
 */
export function withAbsoluteUrl<T>(req: Request, server: Server<T>): [Request, Server<T>] {
  const copy = new Request(server.url.origin + req.url, req);
  const original = (r: unknown) => (r === copy ? req : r);
  const standIn = new Proxy(server, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (BY_REQUEST.has(key))
        return (r: unknown, ...rest: unknown[]) =>
          (value as (...a: unknown[]) => unknown).call(target, original(r), ...rest);
      return value.bind(target);
    },
  });
  return [copy, standIn];
}

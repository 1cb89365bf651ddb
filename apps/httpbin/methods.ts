/**
 * Which methods a path is served with, and the two answers built on that:
 * 405 with `Allow` for a method the path is not served with, and `OPTIONS`
 * with `Allow` (what python-httpbin's Flask does for every route). The methods
 * come from Hono's own router, so they cannot drift from the routes.
 */
import type { Hono } from "hono";

/** The methods asked of the router; `.all()` routes answer every one, TRACE included, as Flask's do. */
const PROBED = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"] as const;

/**
 * The methods `path` is served with, in a fixed order: HEAD wherever GET is
 * (HEAD runs the GET route), OPTIONS wherever anything is; empty for no route.
 * @example allowedMethods(app, "/get") // ["GET", "HEAD", "OPTIONS"]
 */
export function allowedMethods(app: Hono, path: string): string[] {
  const served: string[] = [];
  for (const method of PROBED) {
    if (app.router.match(method, path)[0].length === 0) continue;
    served.push(method);
    if (method === "GET") served.push("HEAD");
  }
  if (served.length > 0) served.push("OPTIONS");
  return served;
}

/** Werkzeug's 405 page, byte for byte: clients compare it with httpbin.org's. */
const NOT_ALLOWED_PAGE = `<!doctype html>
<html lang=en>
<title>405 Method Not Allowed</title>
<h1>Method Not Allowed</h1>
<p>The method is not allowed for the requested URL.</p>
`;

/**
 * The answer for a request no route took: 405 with `Allow` when the path is
 * served with other methods, else 404 (also when a route of this very method
 * declined it, such as a websocket route asked without an upgrade).
 * @example app.notFound((c) => notServed(app, c.req.method, c.req.path))
 */
export function notServed(app: Hono, method: string, path: string): Response {
  const allowed = allowedMethods(app, path);
  if (allowed.length === 0 || allowed.includes(method))
    return new Response("404 Not Found", { status: 404, headers: { "content-type": "text/plain; charset=UTF-8" } });
  return new Response(NOT_ALLOWED_PAGE, {
    status: 405,
    headers: { "content-type": "text/html; charset=utf-8", allow: allowed.join(", ") },
  });
}

/** The echo routes: /get, /post, /put, /patch, /delete, /anything, and the request inspection routes. */
import { Hono } from "hono";
import { base, body, type From, headers, origin } from "../info.ts";

/**
 * The GET routes whose JSON comes from the request alone. The service's fetch
 * answers these without the router (they are the hot ones: /get is what load
 * tests hit); the Hono routes below serve the same builders for `app.request()`.
 */
export const INSPECT: Record<string, (from: From) => unknown> = {
  "/get": base,
  "/headers": (from) => ({ headers: headers(from) }),
  "/ip": (from) => ({ origin: origin(from) }),
  "/user-agent": (from) => ({ "user-agent": from.req.raw.headers.get("user-agent") }),
  "/uuid": () => ({ uuid: crypto.randomUUID() }),
};

export const echo = new Hono();

for (const [path, build] of Object.entries(INSPECT)) echo.get(path, (c) => c.json(build(c)));
for (const method of ["post", "put", "patch", "delete"] as const) {
  echo.on(method.toUpperCase(), `/${method}`, async (c) => c.json({ ...base(c), ...(await body(c.req.raw)) }));
}
echo.all("/anything/*", async (c) => c.json({ ...base(c), ...(await body(c.req.raw)), method: c.req.method }));
echo.all("/anything", async (c) => c.json({ ...base(c), ...(await body(c.req.raw)), method: c.req.method }));

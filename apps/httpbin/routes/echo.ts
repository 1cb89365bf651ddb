/** The echo routes: /get, /post, /put, /patch, /delete, /anything, and the request inspection routes. */
import { Hono } from "hono";
import { base, body, headers, origin } from "../info.ts";

export const echo = new Hono();

const JSON_TYPE = { "content-type": "application/json" };
// The hottest route: built by hand rather than through c.json().
echo.get("/get", (c) => new Response(JSON.stringify(base(c)), { headers: JSON_TYPE }));
for (const method of ["post", "put", "patch", "delete"] as const) {
  echo.on(method.toUpperCase(), `/${method}`, async (c) => c.json({ ...base(c), ...(await body(c.req.raw)) }));
}
echo.all("/anything/*", async (c) => c.json({ ...base(c), ...(await body(c.req.raw)), method: c.req.method }));
echo.all("/anything", async (c) => c.json({ ...base(c), ...(await body(c.req.raw)), method: c.req.method }));

echo.get("/headers", (c) => c.json({ headers: headers(c) }));
echo.get("/ip", (c) => c.json({ origin: origin(c) }));
echo.get("/user-agent", (c) => c.json({ "user-agent": c.req.header("user-agent") ?? null }));
echo.get("/uuid", (c) => c.json({ uuid: crypto.randomUUID() }));

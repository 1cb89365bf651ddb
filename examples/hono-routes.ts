/**
 * A small Hono app for `pulsar serve`: a route parameter, JSON, a middleware
 * and a websocket route. It runs unchanged under a supervised multi-process
 * server, from the binary in a folder with no node_modules:
 *   pulsar serve examples/hono-routes.ts --workers 2
 */
import { Hono } from "hono";
import { upgradeWebSocket, websocket } from "hono/bun";

const app = new Hono();

// Middleware: time every request and say which process served it.
app.use(async (c, next) => {
  const started = performance.now();
  await next();
  c.header("x-served-by", String(process.pid));
  c.header("x-response-time", `${(performance.now() - started).toFixed(2)}ms`);
});

app.get("/", (c) => c.text("Hono under pulsar\n"));
app.get("/hello/:name", (c) => c.text(`Hello ${c.req.param("name")}!\n`));
app.get("/json", (c) => c.json({ pid: process.pid, time: Date.now() / 1000 }));
app.post("/echo", async (c) => c.json({ received: await c.req.json() }));
app.get(
  "/ws",
  upgradeWebSocket(() => ({
    onMessage(event, ws) {
      ws.send(`echo: ${event.data}`);
    },
  })),
);

export default { fetch: app.fetch, websocket };

/**
 * Live routes: server-sent events (/sse), the websocket echo (/websocket/echo),
 * the original's websocket graph (/graph-data, drawn live by the /graph page),
 * and the original's streamed /upload.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { streamSSE } from "hono/streaming";
import { handshakeError, handshakeFailed } from "../../../src/ws/handshake.ts";
import { base, body } from "../info.ts";
import { GRAPH_PAGE } from "./graph-page.ts";

/**
 * Before a websocket route: a request that is no handshake gets a 400 saying why, not the
 * router's 404 (Hono's upgradeWebSocket passes on what Bun would not upgrade). After it,
 * `handshakeFailed` answers what Bun refused all the same.
 */
const handshake: MiddlewareHandler = async (c, next) => handshakeError(c.req.raw) ?? next();

export function live(bodyLimit: number): Hono {
  const r = new Hono();

  r.get("/sse", (c) => {
    const count = Math.min(Math.max(Math.floor(Number(c.req.query("count") ?? 10)) || 0, 0), 100);
    const duration = Math.min(Math.max(Number(c.req.query("duration") ?? 2) || 0, 0), 10);
    const delay = Math.min(Math.max(Number(c.req.query("delay") ?? 0) || 0, 0), 10);
    return streamSSE(c, async (stream) => {
      await stream.sleep(delay * 1000);
      for (let id = 0; id < count; id++) {
        await stream.writeSSE({ event: "ping", id: String(id), data: JSON.stringify({ id, timestamp: Date.now() }) });
        if (id < count - 1) await stream.sleep((duration * 1000) / Math.max(count - 1, 1));
      }
    });
  });

  r.get(
    "/websocket/echo",
    handshake,
    upgradeWebSocket(() => ({
      onMessage(event, ws) {
        ws.send(event.data as string);
      },
    })),
    handshakeFailed,
  );

  // Each message gets 100 random points [[i, value]], as in the original.
  let step = 0;
  r.get(
    "/graph-data",
    handshake,
    upgradeWebSocket(() => ({
      onMessage(_event, ws) {
        const points = Array.from({ length: 100 }, () => [step++, Math.random()]);
        ws.send(JSON.stringify(points));
      },
    })),
    handshakeFailed,
  );
  r.get("/graph", (c) => c.html(GRAPH_PAGE));

  // The original's streamed multipart PUT: read as it arrives, 413 as soon as it passes the limit.
  r.put("/upload", async (c) => {
    const reader = c.req.raw.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) {
      size += r.value.byteLength;
      if (size > bodyLimit) {
        await reader?.cancel();
        return c.json({ error: `the upload is over ${bodyLimit} bytes` }, 413);
      }
      chunks.push(r.value);
    }
    const received = new Request(c.req.url, { method: "PUT", headers: c.req.raw.headers, body: Buffer.concat(chunks) });
    return c.json({ ...base(c), ...(await body(received)), size });
  });
  return r;
}

/** Websocket routes on a real Bun.serve (port 0) with real clients. */
import { afterAll, describe, expect, it } from "bun:test";
import { createConnection, type Socket } from "node:net";
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { createLogger } from "../../src/log/logger.ts";
import { LocalPubSub } from "../../src/pubsub/local.ts";
import { WebSockets } from "../../src/ws/sockets.ts";
import { until } from "../helpers/proc.ts";

const warnings: string[] = [];
const log = createLogger("ws-test");
log.warn = ((m: string) => warnings.push(m)) as unknown as typeof log.warn;
log.info = ((m: string) => warnings.push(m)) as unknown as typeof log.info;
const sockets = new WebSockets({ log });
const events: string[] = [];
const pubsub = new LocalPubSub();
await sockets.bind("room", pubsub, "room-channel");

const app = new Hono();
app.get(
  "/echo",
  sockets.route(
    {
      data: (req) => ({ who: new URL(req.url).searchParams.get("who") ?? "anon" }),
      onOpen: (ws) => {
        events.push(`open ${ws.data.who}`);
      },
      // Async with a random delay: the replies must still come in order.
      onMessage: async (ws, m) => {
        await Bun.sleep(Math.random() * 5);
        ws.send(`${ws.data.who}: ${m}`);
      },
      onClose: (ws, code) => {
        events.push(`close ${ws.data.who} ${code}`);
      },
    },
    { maxMessageSize: 1024 },
  ),
);
app.get(
  "/room",
  sockets.route(
    {
      // A steady stream a reading client keeps up with (it shares our event loop, hence the pauses).
      onMessage: async (ws, m) => {
        if (m !== "flood") return ws.send(`ack ${m}`);
        for (let i = 0; i < 400; i++) {
          sockets.publish("room", "x".repeat(64 * 1024));
          await Bun.sleep(1);
        }
      },
    },
    { topics: ["room"], maxBuffered: 256 * 1024 },
  ),
);
app.get(
  "/burst",
  sockets.route(
    {
      onOpen: (ws) => {
        // More than the kernel takes at once: the rest waits in our buffer until the client reads.
        for (let i = 0; i < 200; i++) ws.send("z".repeat(64 * 1024));
      },
      onPing: (_ws, data) => {
        events.push(`ping ${new TextDecoder().decode(data)}`);
      },
      onDrain: () => {
        events.push("drain");
      },
    },
    { maxBuffered: 32 * 1024 * 1024 },
  ),
);
app.get("/quiet", sockets.route({}, { idleTimeout: 1, pingInterval: 0.3 }));
app.get(
  "/strict",
  sockets.route({
    data: () => {
      throw new Error("no ticket");
    },
  }),
);
app.get(
  "/hono",
  upgradeWebSocket(() => ({ onMessage: (e, ws) => ws.send(`hono ${e.data}`) })),
);
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch, websocket: sockets.websocket });
const port = server.port as number;
const base = `ws://127.0.0.1:${port}`;
afterAll(() => server.stop(true));

/** A client that records what it gets and how it closed. */
function client(path: string) {
  const ws = new WebSocket(`${base}${path}`);
  const got: string[] = [];
  let closed: { code: number; reason: string } | null = null;
  ws.onmessage = (e) => got.push(String(e.data));
  ws.onclose = (e) => (closed = { code: e.code, reason: e.reason });
  const open = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`${path} failed`));
  });
  return { ws, got, open, closed: () => closed as { code: number; reason: string } | null };
}

/** A raw TCP client that completes the handshake and then never reads nor answers pings. */
async function deadReader(path: string): Promise<Socket> {
  const sock = createConnection({ host: "127.0.0.1", port });
  await new Promise<void>((resolve) => sock.once("connect", () => resolve()));
  sock.write(
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => sock.once("data", () => resolve()));
  sock.pause();
  return sock;
}

describe("websocket routes", () => {
  it("runs onOpen, async onMessage in order, and onClose with the code, with per-socket data", async () => {
    const c = client("/echo?who=ada");
    await c.open;
    for (let i = 0; i < 20; i++) c.ws.send(String(i));
    await until(() => c.got.length === 20, 5000, "20 replies");
    expect(c.got).toEqual(Array.from({ length: 20 }, (_, i) => `ada: ${i}`));
    c.ws.close(4000, "bye");
    await until(() => events.includes("close ada 4000"), 5000, "onClose");
    expect(events).toContain("open ada");
  });

  it("closes with 1009 a client whose message is over the route's limit, and keeps the others", async () => {
    const big = client("/echo?who=big");
    const small = client("/echo?who=small");
    await Promise.all([big.open, small.open]);
    big.ws.send("é".repeat(600)); // 1200 bytes in UTF-8, 600 characters
    await until(() => big.closed(), 5000, "the close");
    expect(big.closed()?.code).toBe(1009);
    small.ws.send("fine");
    await until(() => small.got.includes("small: fine"), 5000, "the small client's reply");
    small.ws.close();
  });

  it("closes a slow consumer with 1008 and a log line; the other clients get every message", async () => {
    const slow = await deadReader("/room");
    const fast = client("/room");
    await fast.open;
    await until(() => sockets.members("room") === 2, 5000, "two sockets in the room");
    let slowClosed = false;
    slow.on("close", () => (slowClosed = true));
    fast.ws.send("flood");
    await until(() => fast.got.filter((m) => m.length === 64 * 1024).length === 400, 20_000, "400 messages");
    await until(() => sockets.members("room") === 1, 5000, "the slow one gone");
    expect(warnings.some((w) => /slow websocket client .* over the 262144-byte send buffer/.test(w))).toBe(true);
    slow.destroy();
    expect(slowClosed || slow.destroyed).toBe(true);
    fast.ws.close();
  });

  it("pings a quiet client and closes one that answers nothing after the idle timeout", async () => {
    const alive = client("/quiet");
    await alive.open;
    const dead = await deadReader("/quiet");
    let deadClosed = false;
    dead.on("end", () => (deadClosed = true));
    dead.on("close", () => (deadClosed = true));
    dead.resume(); // read, so the close reaches us, but never answer the pings
    dead.on("data", () => {});
    await until(() => deadClosed, 6000, "the idle close");
    expect(warnings.some((w) => /idle for 1 s/.test(w))).toBe(true);
    expect(alive.closed()).toBeNull(); // the browser-like client answered the pings
    alive.ws.close();
  });

  it("calls onPing with the ping's data, and onDrain once a backed-up client reads again", async () => {
    const sock = await deadReader("/burst");
    // A masked ping frame with "hi" (clients must mask).
    const mask = [1, 2, 3, 4];
    const payload = [..."hi"].map((ch, i) => ch.charCodeAt(0) ^ (mask[i % 4] as number));
    sock.write(Buffer.from([0x89, 0x80 | payload.length, ...mask, ...payload]));
    await until(() => events.includes("ping hi"), 5000, "onPing");
    let received = 0;
    sock.on("data", (d: Buffer) => {
      received += d.length;
    });
    sock.resume();
    await until(() => events.includes("drain"), 10_000, "onDrain");
    // What waited in our buffer (far more than the kernel holds) arrives once the client reads.
    await until(() => received >= 150 * 64 * 1024, 10_000, "the buffered bytes");
    sock.destroy();
  });

  it("feeds a topic from a pub/sub channel", async () => {
    const a = client("/room");
    const b = client("/room");
    await Promise.all([a.open, b.open]);
    await pubsub.publish("room-channel", "from the channel");
    await until(() => a.got.includes("from the channel") && b.got.includes("from the channel"), 5000, "both");
    a.ws.close();
    b.ws.close();
  });

  it("answers 426 to a plain request, 400 when data() refuses, and serves Hono's upgradeWebSocket too", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/echo`);
    expect(res.status).toBe(426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    const refused = await fetch(`http://127.0.0.1:${port}/strict`, {
      headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "x", "sec-websocket-version": "13" },
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("no ticket");
    const h = client("/hono");
    await h.open;
    h.ws.send("hi");
    await until(() => h.got.includes("hono hi"), 5000, "hono's reply");
    h.ws.close();
  });
});

/**
 * The chat from the binary: 50 clients (Bun and Python) × 20 messages over 3
 * workers, then two instances sharing one Redis, a Redis restart mid-chat,
 * the JSON-RPC endpoint, the limits, and two Chromium tabs.
 */
import { afterAll, describe, expect, it } from "bun:test";
import { createConnection } from "node:net";
import { join } from "node:path";
import { freePort, Proc, tempDir, until } from "../helpers/proc.ts";
import { RedisServer } from "../helpers/redis.ts";
import { hasChromium, hasPythonWebsockets, hasRedis, launchChromium } from "../helpers/tools.ts";
import { chatRound, rpcMessage } from "./chat-round.ts";

const dir = tempDir();
afterAll(() => dir[Symbol.dispose]());
const pyClients = hasPythonWebsockets() ? 10 : 0;
let n = 0;

/** `pulsar run chat` on a free port; its own pid file. */
async function startChat(workers: number, ...extra: string[]): Promise<{ proc: Proc; url: string; pid: string }> {
  const pid = join(dir.path, `chat-${++n}.pid`);
  const proc = await Proc.binary([
    "run",
    "chat",
    "--workers",
    String(workers),
    "--bind",
    "127.0.0.1:0",
    "--pid-file",
    pid,
    "--log-level",
    "info",
    ...extra,
  ]);
  try {
    const url = await proc.url();
    if (!extra.includes("thread")) await proc.waitChildren(workers);
    await proc.waitFor(/arbiter ready/);
    return { proc, url, pid };
  } catch (err) {
    await proc[Symbol.asyncDispose](); // it never reached the caller's `await using`
    throw err;
  }
}

/** The clients each worker reports in `pulsar info`. */
async function clientsPerWorker(pid: string): Promise<number[]> {
  await using info = await Proc.binary(["info", "--json", "--pid-file", pid]);
  expect(await info.exitCode()).toBe(0);
  const tree = JSON.parse(info.output) as { monitors: { workers: { extra?: { clients?: number } }[] }[] };
  return (tree.monitors[0]?.workers ?? []).map((w) => w.extra?.clients ?? -1);
}

const JSON_TYPE = { "content-type": "application/json" };

describe("chat (arbiter relay)", () => {
  it("delivers every one of 1,000 messages exactly once to each of 50 clients over 3 workers", async () => {
    const chat = await startChat(3);
    await using _ = chat.proc;
    // Hold a few sockets open to see them in `info`, spread by the kernel over the workers.
    const held = await Promise.all(
      Array.from({ length: 12 }, () => {
        const ws = new WebSocket(`${chat.url.replace("http", "ws")}/message`);
        return new Promise<WebSocket>((r) => (ws.onopen = () => r(ws)));
      }),
    );
    const counts = await until(
      async () => {
        const c = await clientsPerWorker(chat.pid);
        return c.reduce((a, b) => a + b, 0) === 12 ? c : null;
      },
      10_000,
      "12 clients in info",
    );
    expect(counts.length).toBe(3);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1); // spread over several workers
    for (const ws of held) ws.close();
    await chatRound([chat.url], 50 - pyClients, pyClients, 20);
  }, 120_000);

  it("answers POST /rpc message(text) with OK, and JSON-RPC errors for the rest", async () => {
    const chat = await startChat(2);
    await using _ = chat.proc;
    const ws = new WebSocket(`${chat.url.replace("http", "ws")}/message`);
    const got: string[] = [];
    ws.onmessage = (e) => got.push(JSON.parse(String(e.data)).message);
    await new Promise((r) => (ws.onopen = r));
    expect(await rpcMessage(chat.url, "  from rpc  ")).toEqual({ jsonrpc: "2.0", id: 1, result: "OK" });
    await until(() => got.includes("from rpc"), 5000, "the rpc message on the socket");

    const post = async (body: string) => {
      const res = await fetch(`${chat.url}/rpc`, { method: "POST", headers: JSON_TYPE, body });
      return res.status === 204 ? null : ((await res.json()) as Record<string, unknown>);
    };
    const code = (r: unknown) => ((r as { error?: { code: number } }).error ?? { code: 0 }).code;
    expect(code(await post("{nope"))).toBe(-32700);
    expect(code(await post('{"jsonrpc":"1.0","id":1,"method":"message"}'))).toBe(-32600);
    expect(code(await post('{"jsonrpc":"2.0","id":2,"method":"shout","params":["x"]}'))).toBe(-32601);
    expect(code(await post('{"jsonrpc":"2.0","id":3,"method":"message","params":[]}'))).toBe(-32602);
    expect(code(await post('{"jsonrpc":"2.0","id":4,"method":"message","params":["   "]}'))).toBe(-32602);
    const long = JSON.stringify({ jsonrpc: "2.0", id: 5, method: "message", params: ["x".repeat(4097)] });
    expect(code(await post(long))).toBe(-32602);
    expect(await post('{"jsonrpc":"2.0","method":"message","params":{"text":"a notification"}}')).toBeNull();
    // The original's named form, {"msg": …}, as well as ours.
    expect(await post('{"jsonrpc":"2.0","id":9,"method":"message","params":{"msg":"named msg"}}')).toEqual({
      jsonrpc: "2.0",
      id: 9,
      result: "OK",
    });
    const batch = await post(
      '[{"jsonrpc":"2.0","id":6,"method":"message","params":["b1"]},{"jsonrpc":"2.0","id":7,"method":"nope"}]',
    );
    expect(batch).toEqual([
      { jsonrpc: "2.0", id: 6, result: "OK" },
      { jsonrpc: "2.0", id: 7, error: { code: -32601, message: "Method not found: nope" } },
    ] as unknown as Record<string, unknown>);
    await until(
      () => got.includes("a notification") && got.includes("b1") && got.includes("named msg"),
      5000,
      "notification, batch and named msg",
    );
    const untyped = await fetch(`${chat.url}/rpc`, {
      method: "POST",
      body: '{"jsonrpc":"2.0","id":8,"method":"ping"}',
    });
    expect(untyped.status).toBe(415);
    expect(((await untyped.json()) as { error: { code: number } }).error.code).toBe(-32600);
    ws.close();
  });

  it("answers a message over 4 KB with an error frame, closes a frame over 5 KB with 1009 and binary with 1003", async () => {
    const chat = await startChat(1);
    await using _ = chat.proc;
    const closeOf = (send: string | Uint8Array) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${chat.url.replace("http", "ws")}/message`);
        ws.onopen = () => ws.send(send);
        ws.onclose = (e) => resolve(e.code);
      });
    expect(await closeOf("x".repeat(6000))).toBe(1009);
    expect(await closeOf(new Uint8Array([1, 2, 3]))).toBe(1003);
    // 4 KB of text with spaces around it is fine: it is trimmed first.
    const ws = new WebSocket(`${chat.url.replace("http", "ws")}/message`);
    const got: string[] = [];
    ws.onmessage = (e) => got.push(JSON.parse(String(e.data)).message);
    await new Promise((r) => (ws.onopen = r));
    ws.send(`   ${"y".repeat(4096)}   `);
    await until(() => got.length === 1, 5000, "the 4 KB message");
    expect(got[0]).toBe("y".repeat(4096));
    // Over 4 KB once trimmed but within the frame limit: the sender is told, the socket stays open.
    const errors: unknown[] = [];
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data));
      if ("error" in frame) errors.push(frame);
      else got.push(frame.message);
    };
    ws.send("y".repeat(4500));
    await until(() => errors.length === 1, 5000, "the error frame");
    expect(errors[0]).toEqual({
      error: "E_CHAT_MESSAGE",
      message: "not delivered: a chat message is at most 4096 bytes, this one has 4500 once trimmed",
    });
    ws.send("after the long one");
    await until(() => got.length === 2, 5000, "the next message");
    expect(got[1]).toBe("after the long one");
    ws.close();
  });

  it("closes a slow consumer with 1008 and a log line, while the other clients get every message", async () => {
    const chat = await startChat(1);
    await using _ = chat.proc;
    const { port } = new URL(chat.url);
    // A client that completes the handshake and then never reads.
    const slow = createConnection({ host: "127.0.0.1", port: Number(port) });
    await new Promise((r) => slow.once("connect", r));
    slow.write(
      "GET /message HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    await new Promise((r) => slow.once("data", r));
    slow.pause();
    const fast = new WebSocket(`${chat.url.replace("http", "ws")}/message`);
    let got = 0;
    let ended = false;
    fast.onmessage = (e) => {
      const { message } = JSON.parse(String(e.data));
      if (message === "END") ended = true;
      else got++;
    };
    await new Promise((r) => (fast.onopen = r));
    await until(async () => (await clientsPerWorker(chat.pid))[0] === 2, 5000, "both clients in info");
    // 16 MB of messages in batches the fast client keeps up with; the slow one's buffer passes 4 MB.
    const text = "m".repeat(4000);
    for (let b = 1; b <= 8; b++) {
      const batch = Array.from({ length: 500 }, (_, i) => ({
        jsonrpc: "2.0",
        id: i,
        method: "message",
        params: [text],
      }));
      const res = await fetch(`${chat.url}/rpc`, { method: "POST", headers: JSON_TYPE, body: JSON.stringify(batch) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await until(() => got >= b * 500, 20_000, `${b * 500} messages on the fast client`);
    }
    await chat.proc.waitFor(/closing a slow websocket client 127\.0\.0\.1: \d+ bytes waiting, over the 4194304-byte/);
    expect(await rpcMessage(chat.url, "END")).toMatchObject({ result: "OK" });
    await until(() => ended, 5000, "END");
    expect(got).toBe(4000);
    expect(await clientsPerWorker(chat.pid)).toEqual([1]);
    slow.destroy();
    fast.close();
  }, 60_000);

  it("works the same with thread workers", async () => {
    const chat = await startChat(2, "--concurrency", "thread");
    await using _ = chat.proc;
    await chatRound([chat.url], 10, 0, 5);
  }, 60_000);

  it.if(hasChromium())(
    "shows a message typed in one tab in another, as text even when it looks like HTML",
    async () => {
      const chat = await startChat(2);
      await using _ = chat.proc;
      const browser = await launchChromium();
      try {
        const one = await browser.newPage();
        const two = await browser.newPage();
        await Promise.all([one.goto(chat.url), two.goto(chat.url)]);
        for (const p of [one, two]) await p.waitForFunction(() => document.body.dataset.live === "1");
        await one.fill("#text", "hello from tab one");
        await one.press("#text", "Enter");
        await two.waitForFunction(() => document.body.dataset.count === "1", undefined, { timeout: 10_000 });
        expect(await two.textContent("#messages li .text")).toBe("hello from tab one");
        expect(await two.getAttribute("#messages li time", "datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);

        const html = '<img src=x onerror="document.body.dataset.pwned=1"><b>bold</b>';
        await two.fill("#text", html);
        await two.press("#text", "Enter");
        await one.waitForFunction(() => document.body.dataset.count === "2", undefined, { timeout: 10_000 });
        expect(await one.textContent("#messages li:nth-child(2) .text")).toBe(html);
        expect(await one.$$("#messages img, #messages b")).toHaveLength(0);
        expect(await one.evaluate(() => document.body.dataset.pwned ?? null)).toBeNull();
        // Over 4 KB (in bytes, not characters): the sender's page says so, nobody's list grows.
        await one.fill("#text", "é".repeat(2100));
        await one.press("#text", "Enter");
        await one.waitForFunction(() => !document.getElementById("notice")?.hidden, undefined, { timeout: 10_000 });
        expect(await one.textContent("#notice")).toContain("at most 4096 bytes");
        await one.fill("#text", "short again");
        await one.press("#text", "Enter");
        await two.waitForFunction(() => document.body.dataset.count === "3", undefined, { timeout: 10_000 });
        expect(await two.textContent("#messages li:nth-child(3) .text")).toBe("short again");
        expect(await one.isHidden("#notice")).toBe(true);
        await one.screenshot({ path: join(dir.path, "chat.png") });
        expect(Bun.file(join(dir.path, "chat.png")).size).toBeGreaterThan(1000);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});

describe("chat (bad data store)", () => {
  it("exits 2 on a data store that is not a redis URL, and 3 when Redis does not answer at boot", async () => {
    const args = (store: string) => [
      "run",
      "chat",
      "--bind",
      "127.0.0.1:0",
      "--pid-file",
      join(dir.path, `bad-${++n}.pid`),
      "--data-store",
      store,
    ];
    await using bad = await Proc.binary(args("http://127.0.0.1:1/0"));
    expect(await bad.exitCode()).toBe(2);
    expect(bad.output).toContain("data_store accepts empty (pub/sub through the arbiter) or redis://");
    await using down = await Proc.binary(args(`redis://127.0.0.1:${freePort()}/0`));
    expect(await down.exitCode(20_000)).toBe(3);
    expect(down.output).toMatch(/failed to boot: redis at 127\.0\.0\.1:\d+ did not answer/);
  }, 30_000);
});

const redisEnabled = hasRedis();
describe.if(redisEnabled)("chat (redis)", () => {
  it("delivers every message exactly once across two instances sharing one Redis", async () => {
    await using redis = await new RedisServer().start();
    const a = await startChat(2, "--data-store", redis.url);
    await using _a = a.proc;
    const b = await startChat(2, "--data-store", redis.url);
    await using _b = b.proc;
    await chatRound([a.url, b.url], 50 - pyClients, pyClients, 20);
  }, 120_000);

  it("recovers from a Redis restart mid-chat, and says E_PUBSUB_UNAVAILABLE while it is down", async () => {
    await using redis = await new RedisServer().start();
    const chat = await startChat(2, "--data-store", redis.url);
    await using _ = chat.proc;
    const clients = await Promise.all(
      Array.from({ length: 6 }, () => {
        const ws = new WebSocket(`${chat.url.replace("http", "ws")}/message`);
        const got: string[] = [];
        ws.onmessage = (e) => got.push(String(e.data));
        return new Promise<{ ws: WebSocket; got: string[] }>((r) => (ws.onopen = () => r({ ws, got })));
      }),
    );
    expect(await rpcMessage(chat.url, "before")).toMatchObject({ result: "OK" });
    await until(() => clients.every((c) => c.got.some((m) => m.includes('"before"'))), 5000, "before");

    await redis.stop();
    const down = await until(
      async () => {
        const r = await rpcMessage(chat.url, "while down");
        return "error" in r ? r : null;
      },
      10_000,
      "an error while redis is down",
    );
    expect(down.error).toMatchObject({ code: -32603, data: { code: "E_PUBSUB_UNAVAILABLE" } });
    // On the websocket, the sender hears that its message was not delivered.
    clients[0]?.ws.send("lost");
    await until(() => clients[0]?.got.some((m) => m.includes("E_PUBSUB_UNAVAILABLE")), 5000, "the error frame");

    await redis.start();
    await chat.proc.waitFor(/reconnected to redis/, 20_000);
    let i = 0;
    await until(
      async () => {
        await rpcMessage(chat.url, `after ${i++}`);
        return clients.every((c) => c.got.some((m) => m.includes('"after ')));
      },
      20_000,
      "messages after the restart on every client (both workers resubscribed)",
    );
    // And the chat goes on as before: one more message reaches everyone exactly once.
    expect(await rpcMessage(chat.url, "all good")).toMatchObject({ result: "OK" });
    await until(() => clients.every((c) => c.got.some((m) => m.includes('"all good"'))), 5000, "all good");
    expect(await rpcMessage(chat.url, "END")).toMatchObject({ result: "OK" });
    await until(() => clients.every((c) => c.got.some((m) => m.includes('"END"'))), 5000, "END");
    for (const c of clients) expect(c.got.filter((m) => m.includes('"all good"')).length).toBe(1);
    for (const c of clients) expect(c.got.some((m) => m.includes("while down"))).toBe(false);
    for (const c of clients) c.ws.close();
  }, 60_000);
});

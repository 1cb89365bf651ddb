/** The client's websocket against httpbin's /websocket/echo, and a server that shows the handshake. */
import { afterAll, describe, expect, it } from "bun:test";
import { HttpClient } from "../../src/index.ts";
import { serveHttpbin } from "./httpbin-server.ts";

const bin = serveHttpbin();
/** Answers each message with what the handshake carried; closes with 4001 on "bye". */
const shown = Bun.serve<{ cookie: string | null; token: string | null }>({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req, server) {
    if (new URL(req.url).pathname !== "/ws") return new Response("not here", { status: 404 });
    const ok = server.upgrade(req, {
      data: { cookie: req.headers.get("cookie"), token: req.headers.get("x-token") },
      headers: req.headers.get("sec-websocket-protocol") ? { "sec-websocket-protocol": "chat.v2" } : {},
    });
    return ok ? undefined : new Response("not a websocket", { status: 400 });
  },
  websocket: {
    message(ws, msg) {
      if (msg === "bye") ws.close(4001, "asked to leave");
      else ws.send(JSON.stringify(ws.data));
    },
  },
});
afterAll(async () => {
  await bin[Symbol.asyncDispose]();
  shown.stop(true);
});

describe("HttpClient.websocket", () => {
  it("echoes text and binary messages through httpbin's /websocket/echo", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    await using ws = await http.websocket("/websocket/echo");
    expect(ws.url).toBe(`${bin.url.replace("http", "ws")}/websocket/echo`);
    ws.send("hello");
    ws.send("world");
    const got: unknown[] = [];
    for await (const msg of ws) {
      got.push(msg);
      if (got.length === 2) break;
    }
    expect(got).toEqual(["hello", "world"]);
    ws.send(new Uint8Array([1, 2, 3]));
    const echoed = await ws.receive(2000);
    expect(echoed === undefined ? null : Buffer.from(echoed as Uint8Array).toString("hex")).toBe("010203");
  });

  it("sends the session's cookies, extra headers and sub-protocols on the handshake", async () => {
    await using http = new HttpClient({ baseURL: `http://127.0.0.1:${shown.port}` });
    http.cookies.set("sid", "abc", { domain: "127.0.0.1" });
    await using ws = await http.websocket("/ws", { headers: { "x-token": "t1" }, protocols: ["chat.v2", "chat.v1"] });
    expect(ws.protocol).toBe("chat.v2");
    ws.send("show");
    expect(JSON.parse((await ws.receive(2000)) as string)).toEqual({ cookie: "sid=abc", token: "t1" });
  });

  it("ends the iteration when the server closes, with its code and reason", async () => {
    await using http = new HttpClient({ baseURL: `http://127.0.0.1:${shown.port}` });
    const ws = await http.websocket("/ws");
    ws.send("bye");
    const rest: unknown[] = [];
    for await (const msg of ws) rest.push(msg);
    expect(rest).toEqual([]);
    expect([ws.closeCode, ws.closeReason]).toEqual([4001, "asked to leave"]);
    expect(() => ws.send("late")).toThrow("cannot send, the socket is closed");
  });

  it("rejects with E_WEBSOCKET naming the URL when the handshake is refused", async () => {
    await using http = new HttpClient({ baseURL: `http://127.0.0.1:${shown.port}` });
    const err = await http.websocket("/no-upgrade").catch((e) => e);
    expect(err.code).toBe("E_WEBSOCKET");
    expect(err.message).toStartWith(
      `websocket ws://127.0.0.1:${shown.port}/no-upgrade: could not open (Expected 101 status code: 404)`,
    );
  });

  it("closes its open sockets when the client closes", async () => {
    const http = new HttpClient({ baseURL: bin.url });
    const ws = await http.websocket("/websocket/echo");
    await http.close();
    expect(ws.open).toBe(false);
    expect(ws.closeCode).toBe(1001);
  });
});

/** JSON-RPC over HTTP and over a websocket: statuses, media types, body limits, frames. */
import { afterAll, describe, expect, it } from "bun:test";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { JsonRpc } from "../../src/rpc/dispatcher.ts";
import { method } from "../../src/rpc/method.ts";

const rpc = new JsonRpc(
  { add: method({ params: ["a:number", "b:number"] }, (a, b) => a + b), note: () => null },
  { maxBody: 1000 },
);
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (req, s) => (s.upgrade(req, { data: undefined }) ? undefined : rpc.fetch(req)),
  websocket: rpc.websocket,
});
afterAll(() => server.stop(true));

const call = '{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}';
const post = (body: BodyInit, type: string | null = "application/json", init: RequestInit = {}) =>
  fetch(server.url, { method: "POST", body, headers: type ? { "content-type": type } : {}, ...init });

describe("JSON-RPC over HTTP", () => {
  it("answers a POST of application/json with 200 and a JSON body", async () => {
    const res = await post(call, "application/json; charset=utf-8");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ jsonrpc: "2.0", result: 3, id: 1 });
  });

  it("accepts the older application/json-rpc and application/jsonrequest types", async () => {
    for (const type of ["application/json-rpc", "application/jsonrequest", "Application/JSON"])
      expect((await (await post(call, type)).json()).result).toBe(3);
  });

  it("answers 204 with no body to a notification", async () => {
    const res = await post('{"jsonrpc":"2.0","method":"note"}');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("answers another method than POST with 405, Allow: POST and a JSON-RPC error", async () => {
    for (const m of ["GET", "PUT", "DELETE"]) {
      const res = await fetch(server.url, { method: m });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(await res.json()).toEqual({
        jsonrpc: "2.0",
        error: { code: -32600, message: `Invalid Request: JSON-RPC is served by POST, not ${m}` },
        id: null,
      });
    }
  });

  it("answers a body that is not JSON-typed with 415 and a JSON-RPC error", async () => {
    for (const [type, shown] of [
      ["text/plain", '"text/plain"'],
      ["application/x-www-form-urlencoded", '"application/x-www-form-urlencoded"'],
      ["application/jsonp", '"application/jsonp"'],
      [null, "untyped"],
    ] as const) {
      const res = await post(call, type);
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({
        jsonrpc: "2.0",
        error: { code: -32600, message: `Invalid Request: the body must be application/json, not ${shown}` },
        id: null,
      });
    }
  });

  it("answers a body over maxBody with 413 and a JSON-RPC error, by its length", async () => {
    const res = await post(`[${Array(20).fill(call).join(",")}]`);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      error: { code: -32600, message: "Invalid Request: a request body of 1101 bytes exceeds the limit of 1000 bytes" },
      id: null,
    });
  });

  it("answers a chunked body over maxBody with 413 as it arrives", async () => {
    const chunks = Array(20).fill(call);
    const body = new ReadableStream({
      pull(ctl) {
        const next = chunks.pop();
        if (next) ctl.enqueue(new TextEncoder().encode(next));
        else ctl.close();
      },
    });
    const res = await post(body);
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toBe("Invalid Request: the request body exceeds the limit of 1000 bytes");
  });

  it("answers a chunked body under the limit", async () => {
    const body = new ReadableStream({
      start(ctl) {
        ctl.enqueue(new TextEncoder().encode(call.slice(0, 10)));
        ctl.enqueue(new TextEncoder().encode(call.slice(10)));
        ctl.close();
      },
    });
    expect((await (await post(body)).json()).result).toBe(3);
  });
});

describe("JSON-RPC over HTTP, compressed", () => {
  const words = method({ params: ["n:int"] }, (n) => "word ".repeat(n));
  const zipping = new JsonRpc({ words }, { compressMin: 200 });
  const plain = new JsonRpc({ words });
  const serve = (r: JsonRpc) => Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: r.fetch });
  const zipped = serve(zipping);
  const unzipped = serve(plain);
  afterAll(() => {
    zipped.stop(true);
    unzipped.stop(true);
  });
  const ask = (url: URL, n: number, encoding?: string) =>
    fetch(url, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", method: "words", params: [n], id: 7 }),
      headers: { "content-type": "application/json", ...(encoding ? { "accept-encoding": encoding } : {}) },
      decompress: false,
    });
  const answer = (n: number) => JSON.stringify({ jsonrpc: "2.0", result: "word ".repeat(n), id: 7 });

  it("compresses an answer of compressMin characters or more for a client that accepts it", async () => {
    for (const [encoding, decode] of [
      ["gzip", gunzipSync],
      ["br", brotliDecompressSync],
      ["deflate", inflateSync],
    ] as const) {
      const res = await ask(zipped.url, 100, encoding);
      expect([res.headers.get("content-encoding"), res.headers.get("vary")]).toEqual([encoding, "Accept-Encoding"]);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(bytes.length).toBeLessThan(answer(100).length / 4);
      expect(decode(bytes).toString()).toBe(answer(100));
    }
  });

  it("sends it as is, with Vary, to a client that does not accept it", async () => {
    const res = await ask(zipped.url, 100);
    expect([res.headers.get("content-encoding"), res.headers.get("vary")]).toEqual([null, "Accept-Encoding"]);
    expect(await res.text()).toBe(answer(100));
  });

  it("leaves a small answer alone, and compresses nothing by default", async () => {
    const small = await ask(zipped.url, 2, "gzip");
    expect([small.headers.get("content-encoding"), small.headers.get("vary")]).toEqual([null, null]);
    expect(await small.text()).toBe(answer(2));
    const res = await ask(unzipped.url, 100, "gzip");
    expect([res.headers.get("content-encoding"), res.headers.get("vary")]).toEqual([null, null]);
    expect(await res.text()).toBe(answer(100));
  });
});

describe("JSON-RPC over a websocket", () => {
  const open = async () => {
    const ws = new WebSocket(server.url.href.replace("http", "ws"));
    const frames: string[] = [];
    const waiters: ((s: string) => void)[] = [];
    ws.addEventListener("message", (ev) => {
      const w = waiters.shift();
      if (w) w(String(ev.data));
      else frames.push(String(ev.data));
    });
    await new Promise((resolve) => ws.addEventListener("open", resolve));
    const next = () =>
      new Promise<unknown>((resolve) => {
        const f = frames.shift();
        if (f !== undefined) resolve(JSON.parse(f));
        else waiters.push((s) => resolve(JSON.parse(s)));
      });
    return { ws, next, [Symbol.dispose]: () => ws.close() };
  };

  it("answers each frame with one frame: a call, a batch, a parse error", async () => {
    using c = await open();
    c.ws.send(call);
    expect(await c.next()).toEqual({ jsonrpc: "2.0", result: 3, id: 1 });
    c.ws.send(`[${call.replace('"id":1', '"id":"a"')}, {"jsonrpc":"2.0","method":"nope","id":"b"}]`);
    expect(await c.next()).toEqual([
      { jsonrpc: "2.0", result: 3, id: "a" },
      { jsonrpc: "2.0", error: { code: -32601, message: "Method not found: nope" }, id: "b" },
    ]);
    c.ws.send("{not json");
    expect(((await c.next()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  it("sends nothing for notifications, and reads binary frames as UTF-8", async () => {
    using c = await open();
    c.ws.send('{"jsonrpc":"2.0","method":"note"}');
    c.ws.send('[{"jsonrpc":"2.0","method":"note"}]');
    c.ws.send(new TextEncoder().encode(call.replace('"id":1', '"id":2')));
    // The first frame back answers the third message: the notifications got none.
    expect(await c.next()).toEqual({ jsonrpc: "2.0", result: 3, id: 2 });
  });
});

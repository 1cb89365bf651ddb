/** JsonProxy: chained names, RpcError, batches, notifications, over HTTP, a websocket and in-process. */
import { afterAll, describe, expect, it } from "bun:test";
import { HttpClient } from "../../src/client/http-client.ts";
import { JsonProxy, type RpcProxy } from "../../src/rpc/client.ts";
import { rpcServer } from "../../src/rpc/commands.ts";
import { RpcError, RpcTransportError } from "../../src/rpc/errors.ts";
import { method } from "../../src/rpc/method.ts";
import { type FetchLike, httpTransport } from "../../src/rpc/transport.ts";

const notes: unknown[] = [];
const api = rpcServer({
  calc: {
    add: method({ doc: "Add.", params: ["a:number", "b:number"] }, (a, b) => a + b),
    divide: method({ params: ["a:number", "b:number"] }, (a, b) => {
      if (b === 0) throw new RpcError(1000, "division by zero", { a });
      return a / b;
    }),
  },
  wait: method({ params: ["ms:int", "value:any"] }, async (ms, value) => {
    await Bun.sleep(ms);
    return value;
  }),
  note: method({ params: ["text:string"] }, (text) => void notes.push(text)),
});
type Api = typeof api.methods;

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (req, s) =>
    new URL(req.url).pathname === "/ws" && s.upgrade(req, { data: undefined }) ? undefined : api.fetch(req),
  websocket: api.websocket,
});
afterAll(() => server.stop(true));
const httpUrl = server.url.href;
const wsUrl = `${httpUrl.replace("http", "ws")}ws`;

/** Wait until `notes` has `n` entries (notifications are answered by nothing we could await). */
async function notesReach(n: number): Promise<void> {
  for (let i = 0; i < 200 && notes.length < n; i++) await Bun.sleep(5);
}

for (const [kind, make] of [
  ["HTTP", () => JsonProxy<Api>(httpUrl)],
  ["a websocket", () => JsonProxy<Api>(wsUrl)],
  ["in-process", () => JsonProxy<typeof api>(api)],
] as const) {
  describe(`JsonProxy over ${kind}`, () => {
    const proxy: RpcProxy<Api> = make() as RpcProxy<Api>;
    afterAll(() => proxy.$close());

    it("calls chained names with positional params, and the server commands", async () => {
      expect(await proxy.calc.add(1, 2)).toBe(3);
      expect(await proxy.ping()).toBe("pong");
      expect(await proxy.echo({ deep: [1, "two"] })).toEqual({ deep: [1, "two"] });
      expect(await proxy.functions_list()).toEqual([
        "calc.add",
        "calc.divide",
        "documentation",
        "echo",
        "functions_list",
        "note",
        "ping",
        "server_info",
        "wait",
      ]);
      expect(await proxy.documentation()).toContain("- `calc.add(a: number, b: number)`: Add.");
    });

    it("calls with named params through $call", async () => {
      expect(await proxy.$call("calc.divide", { b: 4, a: 2 })).toBe(0.5);
    });

    it("raises error responses as RpcError with code, message and data", async () => {
      const err = (await proxy.calc.divide(1, 0).catch((e) => e)) as RpcError;
      expect(err).toBeInstanceOf(RpcError);
      expect([err.code, err.rpcCode, err.message, err.data]).toEqual(["E_RPC", 1000, "division by zero", { a: 1 }]);
      const missing = (await proxy.$call("calc.pow", [2, 3]).catch((e) => e)) as RpcError;
      expect([missing.rpcCode, missing.message]).toEqual([-32601, "Method not found: calc.pow"]);
      const wrong = (await proxy.$call("calc.add", ["1", 2]).catch((e) => e)) as RpcError;
      expect(wrong.rpcCode).toBe(-32602);
    });

    it("runs overlapping calls and matches each answer to its call", async () => {
      const out = await Promise.all([proxy.wait(60, "slow"), proxy.wait(1, "fast"), proxy.calc.add(2, 2)]);
      expect(out).toEqual(["slow", "fast", 4]);
    });

    it("sends a batch as one request, with results and errors in call order", async () => {
      const batch = proxy.$batch();
      const sum = batch.calc.add(1, 1);
      const bad = batch.calc.divide(1, 0);
      batch.$notify.note(`batch over ${kind}`);
      batch.ping();
      const results = await batch.$send();
      expect(results[0]).toBe(2);
      expect(results[1]).toBeInstanceOf(RpcError);
      expect((results[1] as RpcError).rpcCode).toBe(1000);
      expect(results[2]).toBe("pong");
      expect(results).toHaveLength(3);
      expect(await sum).toBe(2);
      expect(((await bad.catch((e) => e)) as RpcError).message).toBe("division by zero");
      await notesReach(1);
      expect(notes).toContain(`batch over ${kind}`);
      expect(await proxy.$batch().$send()).toEqual([]);
    });

    it("sends notifications, which the server runs without answering", async () => {
      await proxy.$notify.note(`single over ${kind}`);
      const batch = proxy.$batch();
      batch.$notify.note(`all-notification batch over ${kind}`);
      expect(await batch.$send()).toEqual([]);
      await notesReach(notes.length + 1);
      const expected = [`single over ${kind}`, `all-notification batch over ${kind}`];
      for (let i = 0; i < 200 && !expected.every((n) => notes.includes(n)); i++) await Bun.sleep(5);
      expect(notes).toEqual(expect.arrayContaining(expected));
    });
  });
}

describe("JsonProxy transports", () => {
  it("sends through the fetch-like function it is given (the seam for HttpClient)", async () => {
    const seen: string[] = [];
    const viaSpy: FetchLike = (url, init) => {
      seen.push(`${init.method} ${url} ${init.headers["content-type"]} ${init.headers.authorization}`);
      return fetch(url, init);
    };
    const proxy = JsonProxy<Api>(httpUrl, { fetch: viaSpy, headers: { authorization: "Bearer t" } });
    expect(await proxy.calc.add(3, 4)).toBe(7);
    expect(seen).toEqual([`POST ${httpUrl} application/json Bearer t`]);
    expect(await JsonProxy<Api>(httpTransport(httpUrl, { fetch: viaSpy })).ping()).toBe("pong");
  });

  it("rides an HttpClient session: its auth and cookies go with every call, on one kept-alive connection", async () => {
    const seen: string[] = [];
    const ports = new Set<number>();
    const guarded = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, s) => {
        seen.push(`${req.headers.get("authorization")} ${req.headers.get("cookie")}`);
        ports.add(s.requestIP(req)?.port ?? 0);
        return api.fetch(req);
      },
    });
    await using http = new HttpClient({ auth: ["ada", "pw"] });
    http.cookies.setCookie("session=s1", guarded.url.href);
    const proxy = JsonProxy<Api>(guarded.url.href, { http });
    expect(await proxy.calc.add(1, 1)).toBe(2);
    expect(await proxy.ping()).toBe("pong");
    expect(seen).toEqual(Array(2).fill(`Basic ${btoa("ada:pw")} session=s1`));
    expect(ports.size).toBe(1);
    guarded.stop(true);
  });

  it("raises RpcTransportError when the server is unreachable or answers something else", async () => {
    const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("<html>oops</html>") });
    const url = gone.url.href;
    const err = (await JsonProxy(url)
      .ping()
      .catch((e: unknown) => e)) as RpcTransportError;
    expect(err).toBeInstanceOf(RpcTransportError);
    expect(err.message).toBe(`POST ${url} answered 200 with a body that is not JSON`);
    gone.stop(true);
    const down = (await JsonProxy(url)
      .ping()
      .catch((e: unknown) => e)) as RpcTransportError;
    expect(down.code).toBe("E_RPC_TRANSPORT");
    expect(down.message).toStartWith(`POST ${url} failed:`);
    const ws = (await JsonProxy(url.replace("http", "ws"))
      .ping()
      .catch((e: unknown) => e)) as RpcTransportError;
    expect(ws.message).toBe(`cannot connect to ${url.replace("http", "ws")}`);
  });

  it("fails a websocket call that gets no answer within the timeout", async () => {
    const mute = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, s) => (s.upgrade(req, { data: undefined }) ? undefined : new Response("no")),
      websocket: { message() {} },
    });
    const proxy = JsonProxy(mute.url.href.replace("http", "ws"), { timeout: 100 });
    const err = (await proxy.ping().catch((e: unknown) => e)) as RpcTransportError;
    expect(err.message).toContain("did not answer within 100 ms");
    await proxy.$close();
    mute.stop(true);
  });

  it("refuses a target it cannot reach", () => {
    expect(() => JsonProxy("ftp://example.org/")).toThrow(/needs an http\(s\):\/\/ or ws\(s\):\/\/ URL/);
  });

  it("types calls from the server's own definition", async () => {
    const proxy = JsonProxy<Api>(api);
    const sum: number = await proxy.calc.add(1, 2);
    expect(sum).toBe(3);
    // These lines are checked by tsc (npm test), never run.
    const typeChecks = () => {
      // @ts-expect-error a string is not a number
      proxy.calc.add("1", 2);
      // @ts-expect-error calc has no pow
      proxy.calc.pow(1, 2);
      // @ts-expect-error add takes two params
      proxy.calc.add(1);
      // @ts-expect-error the result is a number
      const s: Promise<string> = proxy.calc.add(1, 2);
      return s;
    };
    expect(typeof typeChecks).toBe("function");
  });
});

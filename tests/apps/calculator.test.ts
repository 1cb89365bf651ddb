/** The calculator app in-process: its methods, their limits, its page and its routes. */
import { afterAll, describe, expect, it } from "bun:test";
import { type CalculatorApi, calculatorHandler, calculatorRpc } from "../../apps/calculator/index.ts";
import { CALC_ERRORS } from "../../apps/calculator/methods.ts";
import { JsonProxy } from "../../src/rpc/client.ts";
import { RpcError } from "../../src/rpc/errors.ts";
import { rawRequest } from "../helpers/raw-http.ts";

const rpc = calculatorRpc();
const proxy = JsonProxy<CalculatorApi>(rpc);
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", ...calculatorHandler(rpc) });
afterAll(() => server.stop(true));

const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
};

describe("calc", () => {
  it("adds, subtracts, multiplies and divides", async () => {
    expect(await proxy.calc.add(1.5, 2)).toBe(3.5);
    expect(await proxy.calc.subtract(1, 3)).toBe(-2);
    expect(await proxy.calc.multiply(-4, 2.5)).toBe(-10);
    expect(await proxy.calc.divide(7, 2)).toBe(3.5);
  });

  it("answers a division by zero with error 1000, not Infinity", async () => {
    for (const a of [1, 0, -1]) {
      const err = await failure(proxy.calc.divide(a, 0));
      expect([err.rpcCode, err.message, err.data]).toEqual([
        CALC_ERRORS.DIVISION_BY_ZERO,
        "division by zero",
        { a, b: 0 },
      ]);
    }
  });

  it("answers an overflow with error 1001 instead of a null result", async () => {
    const err = await failure(proxy.calc.multiply(1e200, 1e200));
    expect([err.rpcCode, err.message]).toEqual([
      CALC_ERRORS.OVERFLOW,
      "overflow: multiply(1e+200, 1e+200) is beyond ±1.8e308",
    ]);
    expect((await failure(proxy.calc.add(1.7e308, 1.7e308))).rpcCode).toBe(CALC_ERRORS.OVERFLOW);
  });

  it("refuses what is not a number with -32602", async () => {
    const err = await failure(proxy.$call("calc.add", [1, "2"]));
    expect([err.rpcCode, err.message]).toEqual([-32602, 'Invalid params: "b" must be a finite number, got a string']);
  });
});

describe("calc.randompaths", () => {
  it("defaults to one path of 250 steps from 0", async () => {
    const paths = await proxy.calc.randompaths();
    expect(paths).toHaveLength(1);
    expect(paths[0]).toHaveLength(251);
    expect(paths[0]?.[0]).toBe(0);
    expect(new Set(paths[0]).size).toBeGreaterThan(200);
  });

  it("walks by mu each step when sigma is 0, named or positional", async () => {
    expect(await proxy.$call("calc.randompaths", { num_paths: 2, size: 3, mu: 2, sigma: 0 })).toEqual([
      [0, 2, 4, 6],
      [0, 2, 4, 6],
    ]);
    expect(await proxy.calc.randompaths(1, 2, -1, 0)).toEqual([[0, -1, -2]]);
  });

  it("validates and caps its arguments", async () => {
    const cases: [unknown[], string][] = [
      [[0], 'Invalid params: "num_paths" must be from 1 to 100, got 0'],
      [[101], 'Invalid params: "num_paths" must be from 1 to 100, got 101'],
      [[1, 10_001], 'Invalid params: "size" must be from 1 to 10000, got 10001'],
      [[1, 10, 0, -1], 'Invalid params: "sigma" must be from 0 to 1000000, got -1'],
      [[100, 10_000], "Invalid params: num_paths × (size + 1) must be at most 200000, got 1000100"],
      [[1.5], 'Invalid params: "num_paths" must be an integer within ±2^53, got 1.5'],
      [["3"], 'Invalid params: "num_paths" must be an integer within ±2^53, got a string'],
    ];
    for (const [params, message] of cases) {
      const err = await failure(proxy.$call("calc.randompaths", params));
      expect([err.rpcCode, err.message]).toEqual([-32602, message]);
    }
  });
});

describe("the server commands", () => {
  it("answer ping, echo, functions_list and documentation", async () => {
    expect(await proxy.ping()).toBe("pong");
    expect(await proxy.echo("hi")).toBe("hi");
    expect(await proxy.echo()).toBe("");
    expect(await proxy.functions_list()).toEqual([
      "calc.add",
      "calc.divide",
      "calc.multiply",
      "calc.randompaths",
      "calc.subtract",
      "documentation",
      "echo",
      "functions_list",
      "ping",
      "server_info",
    ]);
    const doc = await proxy.documentation();
    expect(doc).toContain(
      "- `calc.divide(a: number, b: number)`: Divide a by b: a / b. Dividing by zero is error 1000.",
    );
    expect(doc).toContain("- `calc.randompaths(num_paths?: int, size?: int, mu?: number, sigma?: number)`");
  });

  it("answer server_info with this process when no arbiter runs", async () => {
    expect(await proxy.server_info()).toMatchObject({ arbiter: null, pid: process.pid });
  });
});

describe("the calculator's routes", () => {
  it("GET / documents every method and has a form that posts to /", async () => {
    const res = await fetch(server.url);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    for (const name of rpc.names()) expect(html).toContain(`<option value="${name}"`);
    expect(html).toContain("<code>calc.add(a: number, b: number)</code></td><td>Add two numbers: a + b.</td>");
    expect(html).toContain('<form id="call">');
    expect(html).toContain('fetch("/", { method: "POST", headers: { "content-type": "application/json" }');
  });

  it("POST / is JSON-RPC; PUT / is 405 with a JSON-RPC body", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", method: "calc.add", params: [2, 2], id: 1 });
    const ok = await fetch(server.url, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(await ok.json()).toEqual({ jsonrpc: "2.0", result: 4, id: 1 });
    const put = await fetch(server.url, { method: "PUT", body });
    expect(put.status).toBe(405);
    expect((await put.json()).error.code).toBe(-32600);
  });

  it("/ws answers 400 saying why to what is no handshake, 426 to a wrong version; other paths are 404", async () => {
    const ws = await fetch(new URL("/ws", server.url));
    expect([ws.status, await ws.text()]).toEqual([
      400,
      "Bad Request: this is a websocket route: the request needs Upgrade: websocket\n",
    ]);
    const head = (fields: string) =>
      rawRequest(
        server.port as number,
        `GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${fields}\r\n`,
      );
    expect((await head("Sec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n")).status).toBe(400);
    expect((await head("Sec-WebSocket-Version: 13\r\n")).status).toBe(400);
    const version = await head("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n");
    expect([version.status, version.headers["sec-websocket-version"]]).toEqual([426, "13"]);
    expect((await fetch(new URL("/nope", server.url))).status).toBe(404);
  });

  it("serves JSON-RPC on the websocket /ws", async () => {
    const ws = JsonProxy<CalculatorApi>(`${server.url.href.replace("http", "ws")}ws`);
    try {
      expect(await ws.calc.multiply(6, 7)).toBe(42);
    } finally {
      await ws.$close();
    }
  });
});

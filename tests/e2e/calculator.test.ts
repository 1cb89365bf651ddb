/** `dist/pulsar run calculator --workers 2`, driven by JsonProxy over HTTP and the websocket, and fed bad input. */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import type { CalculatorApi } from "../../apps/calculator/index.ts";
import { JsonProxy, type RpcProxy } from "../../src/rpc/client.ts";
import { RpcError } from "../../src/rpc/errors.ts";
import { Proc, ROOT, tempDir } from "../helpers/proc.ts";
import { hasChromium, launchChromium } from "../helpers/tools.ts";

describe("pulsar run calculator --workers 2", () => {
  const dir = tempDir();
  let arb: Proc;
  let url: string;
  let workers: number[];
  let http: RpcProxy<CalculatorApi>;
  let ws: RpcProxy<CalculatorApi>;

  beforeAll(async () => {
    arb = await Proc.run("calculator", dir.path, "--workers", "2");
    url = await arb.url();
    workers = await arb.waitChildren(2);
    http = JsonProxy<CalculatorApi>(url);
    ws = JsonProxy<CalculatorApi>(`${url.replace("http", "ws")}/ws`);
  });
  afterAll(async () => {
    await ws?.$close();
    await arb[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  const post = (body: BodyInit, type = "application/json") =>
    fetch(`${url}/`, { method: "POST", body, headers: { "content-type": type } });

  for (const [kind, proxy] of [
    ["HTTP", () => http],
    ["the websocket", () => ws],
  ] as const) {
    it(`computes over ${kind}, and raises a division by zero as RpcError 1000`, async () => {
      const p = proxy();
      expect(await p.calc.add(40, 2)).toBe(42);
      expect(await p.calc.subtract(40, 2)).toBe(38);
      expect(await p.calc.multiply(4, 2.5)).toBe(10);
      expect(await p.calc.divide(1, 4)).toBe(0.25);
      const err = (await p.calc.divide(1, 0).catch((e: unknown) => e)) as RpcError;
      expect(err).toBeInstanceOf(RpcError);
      expect([err.rpcCode, err.message]).toEqual([1000, "division by zero"]);
      const paths = await p.calc.randompaths(3, 10);
      expect(paths.map((path) => path.length)).toEqual([11, 11, 11]);
    });

    it(`sends batches and notifications over ${kind}`, async () => {
      const p = proxy();
      const batch = p.$batch();
      batch.calc.add(1, 2);
      batch.$notify.ping();
      batch.calc.divide(1, 0);
      batch.$call("calc.subtract", { b: 1, a: 3 });
      const out = await batch.$send();
      expect(out[0]).toBe(3);
      expect((out[1] as RpcError).rpcCode).toBe(1000);
      expect(out[2]).toBe(2);
      await p.$notify.calc.add(1, 1);
      expect(await p.ping()).toBe("pong");
    });
  }

  it("answers server_info with the arbiter's tree: the calculator's two workers", async () => {
    const info = (await http.server_info()) as {
      name: string;
      monitors: { name: string; workers: { pid: number }[] }[];
    };
    expect(info.name).toBe("arbiter");
    const monitor = info.monitors.find((m) => m.name === "calculator");
    expect(monitor?.workers.map((w) => w.pid).sort()).toEqual(workers);
  });

  it("serves the page documenting the methods at GET /", async () => {
    const html = await (await fetch(`${url}/`)).text();
    expect(html).toContain("calc.randompaths(num_paths?: int, size?: int, mu?: number, sigma?: number)");
  });

  it("examples/rpc-client.ts talks to it over HTTP and the websocket", async () => {
    await using run = Proc.script(join(ROOT, "examples/rpc-client.ts"), [url]);
    expect(await run.exitCode()).toBe(0);
    const ws = `${url.replace("http", "ws")}/ws`;
    for (const target of [`${url}/`, ws]) expect(run.output).toContain(`${target}: ping → pong\n`);
    expect(run.output.match(/calc\.add\(1, 2\) → 3\n/g)).toHaveLength(2);
    expect(run.output.match(/calc\.divide \{a: 1, b: 8\} → 0\.125\n/g)).toHaveLength(2);
    expect(run.output.match(/calc\.divide\(1, 0\) → RpcError 1000: division by zero\n/g)).toHaveLength(2);
    expect(run.output.match(/batch → 4, 2 paths, 10 methods\n/g)).toHaveLength(2);
  });

  it.if(hasChromium())(
    "the page's form calls the methods from a browser, and shows results, RPC errors and bad params",
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`${url}/`);
        expect(await page.textContent("#methods")).toContain("Add two numbers: a + b.");
        /** Choose `method`, type `params`, press Call; what the result pane then shows. */
        let calls = 0;
        const call = async (method: string, params: string, sent = true) => {
          await page.selectOption("#method", method);
          await page.fill("#params", params);
          await page.click("#call button");
          if (sent) {
            calls++;
            await page.waitForFunction((n) => document.getElementById("result")?.dataset.calls === String(n), calls);
          }
          return (await page.textContent("#result")) ?? "";
        };
        // Choosing a method fills in example params from its declaration.
        await page.selectOption("#method", "calc.multiply");
        expect(await page.inputValue("#params")).toBe("[1, 1]");

        expect(JSON.parse(await call("calc.add", "[40, 2]"))).toEqual({ jsonrpc: "2.0", result: 42, id: 1 });
        expect(JSON.parse(await call("calc.divide", '{"a": 1, "b": 8}')).result).toBe(0.125);
        const zero = JSON.parse(await call("calc.divide", "[1, 0]"));
        expect(zero.error).toMatchObject({ code: 1000, message: expect.stringContaining("division by zero") });
        const wrong = JSON.parse(await call("calc.add", '["one", 2]'));
        expect(wrong.error.code).toBe(-32602);
        expect(await call("calc.add", "[1, 2", false)).toStartWith("params are not JSON:");
        expect(JSON.parse(await call("ping", ""))).toEqual({ jsonrpc: "2.0", result: "pong", id: 5 });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  describe("bad input never crashes a worker", () => {
    const error = async (res: Response) => {
      const body = (await res.json()) as { error: { code: number; message: string }; id: unknown };
      return [res.status, body.error.code, body.error.message, body.id];
    };

    it("deep nesting: -32600", async () => {
      const deep = "[".repeat(100_000) + "]".repeat(100_000);
      expect(await error(await post(`{"jsonrpc":"2.0","method":"echo","params":[${deep}],"id":1}`))).toEqual([
        200,
        -32600,
        "Invalid Request: nesting deeper than 64 levels",
        null,
      ]);
    });

    it("huge numbers: -32602 for a number past ±1.8e308, error 1001 for an overflowing result", async () => {
      expect(await error(await post('{"jsonrpc":"2.0","method":"calc.add","params":[1e999,1],"id":2}'))).toEqual([
        200,
        -32602,
        'Invalid params: "a" must be a finite number, got Infinity',
        2,
      ]);
      expect(
        await error(await post('{"jsonrpc":"2.0","method":"calc.multiply","params":[1e300,1e300],"id":3}')),
      ).toEqual([200, 1001, "overflow: multiply(1e+300, 1e+300) is beyond ±1.8e308", 3]);
    });

    it("__proto__ keys: refused as an unknown parameter, echoed back as data", async () => {
      const named = '{"jsonrpc":"2.0","method":"calc.add","params":{"a":1,"b":2,"__proto__":{"a":5}},"id":4}';
      expect(await error(await post(named))).toEqual([200, -32602, 'Invalid params: unknown parameter "__proto__"', 4]);
      const echoed = await post('{"jsonrpc":"2.0","method":"echo","params":[{"__proto__":{"admin":true}}],"id":5}');
      expect(await echoed.text()).toBe('{"jsonrpc":"2.0","result":{"__proto__":{"admin":true}},"id":5}');
    });

    it("a method named constructor (or __proto__, toString): -32601", async () => {
      for (const name of ["constructor", "__proto__", "toString", "calc.constructor"]) {
        const res = await post(JSON.stringify({ jsonrpc: "2.0", method: name, id: 6 }));
        expect(await error(res)).toEqual([200, -32601, `Method not found: ${name}`, 6]);
      }
    });

    it("a 10 MB batch: 413 with a JSON-RPC error (rpc_max_body is 1 MiB)", async () => {
      const one = '{"jsonrpc":"2.0","method":"calc.add","params":[1,2],"id":1}';
      const batch = `[${Array(Math.ceil((10 * 2 ** 20) / (one.length + 1)))
        .fill(one)
        .join(",")}]`;
      expect(await error(await post(batch))).toEqual([
        413,
        -32600,
        `Invalid Request: a request body of ${batch.length} bytes exceeds the limit of 1048576 bytes`,
        null,
      ]);
    });

    it("non-JSON content types: 415 with a JSON-RPC error", async () => {
      for (const type of ["text/plain", "application/xml", "multipart/form-data; boundary=x"]) {
        expect(await error(await post('{"jsonrpc":"2.0","method":"ping","id":1}', type))).toEqual([
          415,
          -32600,
          `Invalid Request: the body must be application/json, not ${JSON.stringify(type)}`,
          null,
        ]);
      }
    });

    it("and after all of it, the same two workers still answer", async () => {
      expect(arb.children()).toEqual(workers);
      expect(await http.calc.add(2, 2)).toBe(4);
      expect(await ws.calc.add(3, 3)).toBe(6);
      expect(arb.output).not.toMatch(/unhandled error|died|replacing it/i);
    });
  });
});

/** The dispatcher beyond the spec's examples: declared params, namespaces, errors, batches, limits, bad input. */
import { describe, expect, it } from "bun:test";
import { rpcServer } from "../../src/rpc/commands.ts";
import { JsonRpc, type RpcResponse } from "../../src/rpc/dispatcher.ts";
import { RpcError } from "../../src/rpc/errors.ts";
import { method } from "../../src/rpc/method.ts";

const greet = method(
  { doc: "Greet someone.", params: ["name:string", "times?:int", "loud?:boolean"] },
  (name, times = 1, loud = false) => {
    const text = `hello ${name}`.repeat(times);
    return loud ? text.toUpperCase() : text;
  },
);

const rpc = new JsonRpc({
  greet,
  nothing: () => undefined,
  boom: () => {
    throw new Error("kaput");
  },
  refuse: method({ params: [] }, () => {
    throw new RpcError(42, "not today", { retry: false });
  }),
  bigint: () => 10n,
  math: { sq: method({ params: ["x:number"] }, (x) => x * x), deep: { half: (x: number) => x / 2 } },
  nested: new JsonRpc({ twice: method({ params: ["x:number"] }, (x) => 2 * x) }),
});

const req = (method: string, params?: unknown, id: unknown = 1) =>
  JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }), id });
const answer = async (text: string) => JSON.parse((await rpc.handleText(text)) as string);
const errorOf = async (text: string) => (await answer(text)).error as { code: number; message: string; data?: unknown };

describe("declared parameters", () => {
  it("take positional params in order, with optional ones left out", async () => {
    expect((await answer(req("greet", ["ada"]))).result).toBe("hello ada");
    expect((await answer(req("greet", ["ada", 2, true]))).result).toBe("HELLO ADAHELLO ADA");
  });

  it("take named params in any order, optional ones left out or given", async () => {
    expect((await answer(req("greet", { loud: true, name: "bo" }))).result).toBe("HELLO BO");
    expect((await answer(req("greet", { times: 3, name: "x" }))).result).toBe("hello xhello xhello x");
  });

  it("refuse a missing required parameter with -32602 naming it", async () => {
    const err = await errorOf(req("greet", []));
    expect(err).toEqual({ code: -32602, message: 'Invalid params: missing required parameter "name"' });
    expect((await errorOf(req("greet", { times: 2 }))).message).toContain('"name"');
  });

  it("refuse too many positional params, an unknown name, and a wrong type", async () => {
    expect(await errorOf(req("greet", ["a", 1, true, 4]))).toEqual({
      code: -32602,
      message: "Invalid params: takes at most 3 positional params, got 4",
    });
    expect((await errorOf(req("greet", { name: "a", colour: "red" }))).message).toBe(
      'Invalid params: unknown parameter "colour"',
    );
    expect((await errorOf(req("greet", [7]))).message).toBe('Invalid params: "name" must be a string, got 7');
    expect((await errorOf(req("greet", ["a", 1.5]))).message).toBe(
      'Invalid params: "times" must be an integer within ±2^53, got 1.5',
    );
    expect((await errorOf(req("greet", ["a", null]))).message).toBe(
      'Invalid params: "times" must be an integer within ±2^53, got null',
    );
  });

  it("refuse params that are neither an array nor an object with -32600", async () => {
    expect(await errorOf(req("greet", "ada"))).toEqual({
      code: -32600,
      message: "Invalid Request: params must be an array or an object",
    });
  });

  it("are checked when a method is declared", () => {
    expect(() => method({ params: ["a?:number", "b:number"] }, () => 0)).toThrow(/cannot follow an optional/);
    expect(() => method({ params: ["a:float" as never] }, () => 0)).toThrow(/type must be one of/);
    expect(() => method({ params: ["a:int", "a:int"] }, () => 0)).toThrow(/declared twice/);
    expect(() => method({ params: ["name:string"] }, greet as (n: string) => string)).toThrow(
      /already declared as a method/,
    );
  });
});

describe("namespaces", () => {
  it("nest as plain objects and as other dispatchers", async () => {
    expect((await answer(req("math.sq", [3]))).result).toBe(9);
    expect((await answer(req("math.deep.half", [3]))).result).toBe(1.5);
    expect((await answer(req("nested.twice", { x: 4 }))).result).toBe(8);
    expect(rpc.names()).toContain("math.deep.half");
  });

  it("are not methods themselves", async () => {
    expect((await errorOf(req("math", []))).code).toBe(-32601);
    expect((await errorOf(req("math.deep", []))).code).toBe(-32601);
  });
});

describe("results and errors", () => {
  it("answer null for a method that returns nothing", async () => {
    expect(await answer(req("nothing"))).toEqual({ jsonrpc: "2.0", result: null, id: 1 });
  });

  it("answer -32603 for a thrown Error, with its message and no stack", async () => {
    const err = await errorOf(req("boom"));
    expect(err).toEqual({ code: -32603, message: "Internal error", data: { name: "Error", message: "kaput" } });
  });

  it("put the stack in the data only when debug is on", async () => {
    const debug = new JsonRpc({ boom: () => Promise.reject(new TypeError("bad")) }, { debug: true });
    const err = JSON.parse((await debug.handleText(req("boom"))) as string).error;
    expect(err.data.name).toBe("TypeError");
    expect(err.data.stack).toContain("TypeError: bad");
  });

  it("answer an RpcError with its own code, message and data", async () => {
    expect(await errorOf(req("refuse"))).toEqual({ code: 42, message: "not today", data: { retry: false } });
  });

  it("answer -32603 for a result JSON cannot carry, and keep the rest of the batch", async () => {
    const out = await answer(`[${req("bigint", undefined, 1)}, ${req("math.sq", [2], 2)}]`);
    expect(out[0].error.code).toBe(-32603);
    expect(out[0].error.message).toContain("cannot be sent as JSON");
    expect(out[1]).toEqual({ jsonrpc: "2.0", result: 4, id: 2 });
  });

  it("refuse an id that is neither a string, a number nor null", async () => {
    expect(await answer(req("nothing", undefined, { a: 1 }))).toEqual({
      jsonrpc: "2.0",
      error: { code: -32600, message: "Invalid Request: id must be a string, a number or null" },
      id: null,
    });
  });

  it("keep the id of a request whose jsonrpc member is wrong", async () => {
    const out = await answer(JSON.stringify({ jsonrpc: "1.0", method: "nothing", id: 7 }));
    expect(out).toEqual({
      jsonrpc: "2.0",
      error: { code: -32600, message: 'Invalid Request: jsonrpc must be "2.0"' },
      id: 7,
    });
  });

  it("answer a call by id null like any other call", async () => {
    expect(await answer(req("math.sq", [5], null))).toEqual({ jsonrpc: "2.0", result: 25, id: null });
  });
});

describe("batches", () => {
  it("run their calls concurrently", async () => {
    let running = 0;
    let peak = 0;
    const slow = new JsonRpc({
      wait: async () => {
        peak = Math.max(peak, ++running);
        await Bun.sleep(50);
        running--;
        return peak;
      },
    });
    const t0 = performance.now();
    const out = (await slow.handle(
      Array.from({ length: 10 }, (_, i) => JSON.parse(req("wait", [], i))),
    )) as RpcResponse[];
    expect(out).toHaveLength(10);
    expect(peak).toBe(10);
    expect(performance.now() - t0).toBeLessThan(400);
  });

  it("larger than maxBatch get one -32600", async () => {
    const small = new JsonRpc({ f: () => 1 }, { maxBatch: 3 });
    const batch = `[${Array.from({ length: 4 }, (_, i) => req("f", [], i)).join(",")}]`;
    expect(JSON.parse((await small.handleText(batch)) as string)).toEqual({
      jsonrpc: "2.0",
      error: { code: -32600, message: "Invalid Request: a batch holds at most 3 calls; this one has 4" },
      id: null,
    });
  });

  it("of 10 MB, over the default limit of 1000 calls, get one -32600 quickly", async () => {
    const one = req("math.sq", [1]);
    const batch = `[${Array(Math.ceil((10 * 2 ** 20) / (one.length + 1)))
      .fill(one)
      .join(",")}]`;
    expect(batch.length).toBeGreaterThan(10 * 2 ** 20);
    const out = JSON.parse((await rpc.handleText(batch)) as string);
    expect(out.error.code).toBe(-32600);
    expect(out.error.message).toMatch(/at most 1000 calls; this one has \d{6}/);
  });
});

describe("bad input", () => {
  it("refuses nesting deeper than maxDepth before parsing, whatever the depth", async () => {
    for (const n of [65, 10_000, 1_000_000]) {
      const deep = "[".repeat(n) + "]".repeat(n);
      expect(await answer(req("math.sq", [0]).replace("[0]", deep))).toEqual({
        jsonrpc: "2.0",
        error: { code: -32600, message: "Invalid Request: nesting deeper than 64 levels" },
        id: null,
      });
    }
    // Brackets inside strings are text, not nesting.
    expect((await answer(req("greet", ["[".repeat(500)]))).result).toBe(`hello ${"[".repeat(500)}`);
  });

  it("refuses numbers beyond ±1.8e308 for number params instead of computing with Infinity", async () => {
    expect(await errorOf(req("math.sq", [0]).replace("[0]", "[1e400]"))).toEqual({
      code: -32602,
      message: 'Invalid params: "x" must be a finite number, got Infinity',
    });
    // A long integer is read as the nearest double, as JSON.parse does everywhere.
    const big = Number("123456789012345678901234567890");
    expect((await answer(req("math.sq", [0]).replace("[0]", `[${"123456789012345678901234567890"}]`))).result).toBe(
      big * big,
    );
  });

  it("finds no method called constructor, __proto__, toString or hasOwnProperty", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "math.constructor", "greet.call"]) {
      expect(await errorOf(req(name, []))).toEqual({ code: -32601, message: `Method not found: ${name}` });
    }
  });

  it("treats a __proto__ key as data: no pollution, refused as an unknown parameter", async () => {
    const text = '{"jsonrpc":"2.0","method":"greet","params":{"name":"a","__proto__":{"polluted":true}},"id":1}';
    expect(await errorOf(text)).toEqual({ code: -32602, message: 'Invalid params: unknown parameter "__proto__"' });
    const viaProto = '{"jsonrpc":"2.0","id":1,"__proto__":{"method":"nothing"}}';
    expect((await errorOf(viaProto)).message).toBe("Invalid Request: method must be a string");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("echoes a __proto__ key back as it came", async () => {
    const server = rpcServer({});
    const text = '{"jsonrpc":"2.0","method":"echo","params":[{"__proto__":{"x":1}}],"id":1}';
    expect(await server.handleText(text)).toBe('{"jsonrpc":"2.0","result":{"__proto__":{"x":1}},"id":1}');
  });
});

/**
 * Every request/response example of the JSON-RPC 2.0 specification's
 * "Examples" section (§7), replayed in-process and over HTTP. Our error
 * messages add the reason after the spec's message ("Method not found: foobar"),
 * so error messages are compared by their start; codes and ids exactly.
 */
import { afterAll, describe, expect, it } from "bun:test";
import { JsonRpc } from "../../src/rpc/dispatcher.ts";
import { method } from "../../src/rpc/method.ts";

const notified: unknown[][] = [];
const rpc = new JsonRpc({
  subtract: method({ params: ["minuend:number", "subtrahend:number"] }, (minuend, subtrahend) => minuend - subtrahend),
  sum: (...xs: number[]) => xs.reduce((a, b) => a + b, 0),
  update: (...xs: unknown[]) => void notified.push(["update", ...xs]),
  notify_hello: (...xs: unknown[]) => void notified.push(["notify_hello", ...xs]),
  notify_sum: (...xs: unknown[]) => void notified.push(["notify_sum", ...xs]),
  get_data: () => ["hello", 5],
});

const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: rpc.fetch });
afterAll(() => server.stop(true));

const invalid = { jsonrpc: "2.0", error: { code: -32600, message: "Invalid Request" }, id: null };
const parseError = { jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null };
const notFound = (id: string) => ({ jsonrpc: "2.0", error: { code: -32601, message: "Method not found" }, id });

/** The spec's examples: what is sent, and what comes back (undefined: nothing). */
const EXAMPLES: [string, string, unknown][] = [
  [
    "rpc call with positional parameters (1)",
    '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}',
    { jsonrpc: "2.0", result: 19, id: 1 },
  ],
  [
    "rpc call with positional parameters (2)",
    '{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}',
    { jsonrpc: "2.0", result: -19, id: 2 },
  ],
  [
    "rpc call with named parameters (1)",
    '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}',
    { jsonrpc: "2.0", result: 19, id: 3 },
  ],
  [
    "rpc call with named parameters (2)",
    '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}',
    { jsonrpc: "2.0", result: 19, id: 4 },
  ],
  ["a Notification (1)", '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', undefined],
  ["a Notification (2)", '{"jsonrpc": "2.0", "method": "foobar"}', undefined],
  ["rpc call of non-existent method", '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}', notFound("1")],
  ["rpc call with invalid JSON", '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]', parseError],
  ["rpc call with invalid Request object", '{"jsonrpc": "2.0", "method": 1, "params": "bar"}', invalid],
  [
    "rpc call Batch, invalid JSON",
    '[\n  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},\n  {"jsonrpc": "2.0", "method"\n]',
    parseError,
  ],
  ["rpc call with an empty Array", "[]", invalid],
  ["rpc call with an invalid Batch (but not empty)", "[1]", [invalid]],
  ["rpc call with invalid Batch", "[1,2,3]", [invalid, invalid, invalid]],
  [
    "rpc call Batch",
    `[
      {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
      {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
      {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
      {"foo": "boo"},
      {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
      {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]`,
    [
      { jsonrpc: "2.0", result: 7, id: "1" },
      { jsonrpc: "2.0", result: 19, id: "2" },
      invalid,
      notFound("5"),
      { jsonrpc: "2.0", result: ["hello", 5], id: "9" },
    ],
  ],
  [
    "rpc call Batch (all notifications)",
    `[
      {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
      {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]`,
    undefined,
  ],
];

type Obj = { error?: { code: number; message: string }; [k: string]: unknown };

/** Check `got` against the spec's `want`: equal, except that error messages may go on after the spec's. */
function conforms(got: unknown, want: unknown): void {
  if (Array.isArray(want)) {
    expect(Array.isArray(got)).toBe(true);
    expect((got as unknown[]).length).toBe(want.length);
    // The spec: "The Response objects being returned from a batch call MAY be returned in any order".
    const key = (x: Obj) => JSON.stringify([x.id, x.error?.code ?? null, x.result ?? null]);
    const sorted = (xs: Obj[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
    const [g, w] = [sorted(got as Obj[]), sorted(want as Obj[])];
    for (const [i, x] of w.entries()) conforms(g[i], x);
    return;
  }
  const [g, w] = [got as Obj, want as Obj];
  if (!w.error) return void expect(g).toEqual(w);
  expect(Object.keys(g).sort()).toEqual(["error", "id", "jsonrpc"]);
  expect(g.jsonrpc).toBe("2.0");
  expect(g.id).toBe(w.id as never);
  expect(g.error?.code).toBe(w.error.code);
  expect(g.error?.message.startsWith(w.error.message)).toBe(true);
}

describe("the JSON-RPC 2.0 specification's examples", () => {
  for (const [name, request, response] of EXAMPLES) {
    it(`${name}, in-process`, async () => {
      const text = await rpc.handleText(request);
      if (response === undefined) return void expect(text).toBeUndefined();
      conforms(JSON.parse(text as string), response);
    });

    it(`${name}, over HTTP`, async () => {
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: request,
      });
      expect(res.headers.get("content-type") ?? "").toStartWith(response === undefined ? "" : "application/json");
      if (response === undefined) {
        expect(res.status).toBe(204);
        return void expect(await res.text()).toBe("");
      }
      expect(res.status).toBe(200);
      conforms(await res.json(), response);
    });
  }

  it("runs the notifications it answers nothing to", async () => {
    notified.length = 0;
    await rpc.handleText('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}');
    await rpc.handleText(
      '[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]',
    );
    expect(notified).toEqual([
      ["update", 1, 2, 3, 4, 5],
      ["notify_sum", 1, 2, 4],
      ["notify_hello", 7],
    ]);
  });
});

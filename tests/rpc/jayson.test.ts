/** A peer client: jayson (npm), over HTTP and over the websocket, talks to our dispatcher. */
import { afterAll, describe, expect, it } from "bun:test";
import jayson from "jayson/promise";
import { calculatorHandler, calculatorRpc } from "../../apps/calculator/index.ts";

const server = Bun.serve({ port: 0, hostname: "127.0.0.1", ...calculatorHandler(calculatorRpc()) });
afterAll(() => server.stop(true));

describe("the jayson client", () => {
  const client = jayson.Client.http({ host: "127.0.0.1", port: server.port, path: "/" });

  it("calls with positional and named params", async () => {
    expect(await client.request("calc.add", [1, 2])).toMatchObject({ jsonrpc: "2.0", result: 3 });
    expect(await client.request("calc.subtract", { b: 2, a: 10 })).toMatchObject({ result: 8 });
    expect(await client.request("ping", [])).toMatchObject({ result: "pong" });
  });

  it("gets error responses with their codes", async () => {
    const zero = await client.request("calc.divide", [1, 0]);
    expect(zero).toMatchObject({ error: { code: 1000, message: "division by zero", data: { a: 1, b: 0 } } });
    expect(await client.request("calc.nope", [])).toMatchObject({
      error: { code: -32601, message: "Method not found: calc.nope" },
    });
    expect(await client.request("calc.add", [1])).toMatchObject({
      error: { code: -32602, message: 'Invalid params: missing required parameter "b"' },
    });
  });

  it("sends a batch and reads every answer, including a notification's absence", async () => {
    const batch = [
      client.request("calc.multiply", [6, 7], undefined, false),
      client.request("calc.divide", [1, 0], undefined, false),
      client.request("echo", ["note"], "third", false),
      client.request("echo", ["notification"], null as never, false), // jayson: id null makes a notification
    ];
    expect(batch[3]).not.toHaveProperty("id");
    const out = (await client.request(batch)) as { id: unknown; result?: unknown; error?: { code: number } }[];
    expect(out).toHaveLength(3);
    const byId = new Map(out.map((r) => [r.id, r]));
    expect(byId.get(batch[0]?.id)?.result).toBe(42);
    expect(byId.get(batch[1]?.id)?.error?.code).toBe(1000);
    expect(byId.get("third")?.result).toBe("note");
  });

  it("talks over the websocket /ws too", async () => {
    // jayson sends at once: hand it a socket that is already open, with the `ws` methods it uses.
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await new Promise((resolve) => socket.addEventListener("open", resolve));
    const adapter = {
      send: (text: string) => socket.send(text),
      on: (_event: "message", fn: (text: string) => void) =>
        socket.addEventListener("message", (e) => fn(String(e.data))),
      off() {},
    };
    const ws = jayson.Client.websocket({ ws: adapter as never });
    try {
      expect(await ws.request("calc.add", [20, 22])).toMatchObject({ result: 42 });
      const out = (await ws.request([
        ws.request("calc.add", [1, 1], undefined, false),
        ws.request("functions_list", [], undefined, false),
      ])) as { result: unknown }[];
      expect(out.map((r) => r.result)).toContainEqual(2);
      expect(out.map((r) => r.result)).toContainEqual(expect.arrayContaining(["calc.randompaths", "server_info"]));
    } finally {
      socket.close();
    }
  });
});

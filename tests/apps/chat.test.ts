/**
 * The chat in-process: one worker's handler on a real Bun.serve (port 0) with a
 * local pub/sub, real websocket clients (Bun's and Python's websockets), and
 * its JSON-RPC over HTTP.
 */
import { afterAll, describe, expect, it } from "bun:test";
import { chatHandler, MAX_FRAME_BYTES, MAX_MESSAGE_BYTES } from "../../apps/chat/index.ts";
import { Actor } from "../../src/actor/actor.ts";
import { LocalPubSub } from "../../src/pubsub/local.ts";
import { toServable } from "../../src/server/handler.ts";
import { until } from "../helpers/proc.ts";
import { hasPythonWebsockets } from "../helpers/tools.ts";

const chat = toServable(await chatHandler(new Actor("chat-1", "chat", {}), "chat", new LocalPubSub()));
if (!chat.websocket) throw new Error("the chat serves a websocket");
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: chat.fetch, websocket: chat.websocket });
afterAll(() => server.stop(true));
const base = `127.0.0.1:${server.port}`;

interface Client {
  ws: WebSocket;
  /** Every frame received, parsed. */
  frames: Record<string, unknown>[];
  closed: Promise<CloseEvent>;
}

async function client(): Promise<Client> {
  const ws = new WebSocket(`ws://${base}/message`);
  const frames: Record<string, unknown>[] = [];
  ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)));
  const closed = new Promise<CloseEvent>((r) => ws.addEventListener("close", r));
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  return { ws, frames, closed };
}

const messages = (c: Client) => c.frames.filter((f) => "time" in f).map((f) => f.message);
const errors = (c: Client) => c.frames.filter((f) => "error" in f);

async function rpc(params: unknown, id = 1): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(`http://${base}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "message", params }),
  });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}

describe("chat websocket limits", () => {
  it("tells the sender of a message over 4 KB with an E_CHAT_MESSAGE frame, delivers it to nobody, and stays open", async () => {
    const sender = await client();
    const other = await client();
    // Just over, exactly the frame limit, and over in bytes though not in characters.
    const long = ["x".repeat(MAX_MESSAGE_BYTES + 1), "y".repeat(MAX_FRAME_BYTES), "é".repeat(2100)];
    for (const text of long) sender.ws.send(text);
    await until(() => errors(sender).length === 3, 5000, "three error frames");
    expect(errors(sender)).toEqual([
      {
        error: "E_CHAT_MESSAGE",
        message: "not delivered: a chat message is at most 4096 bytes, this one has 4097 once trimmed",
      },
      {
        error: "E_CHAT_MESSAGE",
        message: "not delivered: a chat message is at most 4096 bytes, this one has 5120 once trimmed",
      },
      {
        error: "E_CHAT_MESSAGE",
        message: "not delivered: a chat message is at most 4096 bytes, this one has 4200 once trimmed",
      },
    ]);
    // The same socket goes on: its next message reaches both, and nothing before it did.
    sender.ws.send("still here");
    await until(() => messages(other).length === 1 && messages(sender).length === 1, 5000, "the next message");
    expect(messages(other)).toEqual(["still here"]);
    expect(messages(sender)).toEqual(["still here"]);
    expect(errors(other)).toEqual([]);
    expect(sender.ws.readyState).toBe(WebSocket.OPEN);
    sender.ws.close();
    other.ws.close();
  });

  it("ignores a blank message, as the original did: no error frame, no delivery", async () => {
    const sender = await client();
    sender.ws.send("  \n \t \n  ");
    sender.ws.send("after blank");
    await until(() => sender.frames.length >= 1, 5000, "a frame");
    expect(sender.frames.map((f) => f.message)).toEqual(["after blank"]);
    sender.ws.close();
  });

  it("takes 4 KB with whitespace around it, and closes a frame over the frame limit with 1009 and the reason", async () => {
    const sender = await client();
    sender.ws.send(`  ${"z".repeat(MAX_MESSAGE_BYTES)}\n  `);
    await until(() => messages(sender).length === 1, 5000, "the 4 KB message");
    expect(messages(sender)).toEqual(["z".repeat(MAX_MESSAGE_BYTES)]);
    sender.ws.send("z".repeat(MAX_FRAME_BYTES + 1));
    const closed = await sender.closed;
    expect(closed.code).toBe(1009);
    expect(closed.reason).toBe(`message over ${MAX_FRAME_BYTES} bytes`);
    expect(errors(sender)).toEqual([]);
  });

  it.if(hasPythonWebsockets())(
    "tells a Python websockets client the same, on a connection that stays open",
    async () => {
      const script = `
import asyncio, json, sys
import websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        await ws.send("w" * 4500)
        print(await ws.recv(), flush=True)
        await ws.send("python ok")
        print(await ws.recv(), flush=True)
asyncio.run(main())
`;
      const proc = Bun.spawn(["/usr/bin/python3", "-c", script, `ws://${base}/message`], {
        stdout: "pipe",
        stderr: "pipe",
      });
      const timer = setTimeout(() => proc.kill(), 20_000);
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      clearTimeout(timer);
      expect(err).toBe("");
      expect(code).toBe(0);
      const [first, second] = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(first).toEqual({
        error: "E_CHAT_MESSAGE",
        message: "not delivered: a chat message is at most 4096 bytes, this one has 4500 once trimmed",
      });
      expect(second).toMatchObject({ message: "python ok", time: expect.any(Number) });
    },
  );
});

describe("chat JSON-RPC message", () => {
  it("takes the text positionally or named text, msg (the original's) or message, and publishes it", async () => {
    const listener = await client();
    expect(await rpc(["positional"])).toEqual({ jsonrpc: "2.0", id: 1, result: "OK" } as never);
    expect(await rpc({ text: "named text" })).toMatchObject({ result: "OK" });
    expect(await rpc({ msg: "named msg" })).toMatchObject({ result: "OK" });
    expect(await rpc({ message: "named message" })).toMatchObject({ result: "OK" });
    await until(() => messages(listener).length === 4, 5000, "four messages");
    expect(messages(listener)).toEqual(["positional", "named text", "named msg", "named message"]);
    listener.ws.close();
  });

  it("answers -32602 naming the problem: no text, two texts, an unknown name, a blank or over-long one", async () => {
    const error = async (params: unknown) => (await rpc(params)).error;
    expect(await error({})).toEqual({ code: -32602, message: 'Invalid params: missing required parameter "text"' });
    expect(await error([])).toMatchObject({ code: -32602, message: expect.stringContaining("missing") });
    expect(await error({ msg: "a", text: "b" })).toEqual({
      code: -32602,
      message: "Invalid params: one text only: text, msg or message",
    });
    expect(await error(["a", "b"])).toMatchObject({ code: -32602 });
    expect(await error({ body: "x" })).toEqual({ code: -32602, message: 'Invalid params: unknown parameter "body"' });
    expect(await error({ msg: 3 })).toEqual({ code: -32602, message: 'Invalid params: "msg" must be a string, got 3' });
    expect(await error({ msg: "  " })).toEqual({
      code: -32602,
      message: "Invalid params: a chat message cannot be empty",
    });
    expect(await error({ msg: "x".repeat(4097) })).toEqual({
      code: -32602,
      message: "Invalid params: a chat message is at most 4096 bytes, this one has 4097 once trimmed",
    });
  });
});

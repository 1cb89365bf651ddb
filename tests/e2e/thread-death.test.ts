/**
 * A worker thread that dies under a request (`process.exit` in a handler, or
 * killed by the arbiter for being silent past `timeout`) must not leave its
 * client with a success: the client loses the connection, as in process mode,
 * instead of Bun's empty `204 No Content`. Its siblings keep serving, and its
 * replacement serves what comes next.
 */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Proc, tempDir, until } from "../helpers/proc.ts";
import { type RawClient, rawClient } from "../net/tcp-client.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

const APP = `import { Hono } from "hono";
import { threadId } from "node:worker_threads";
const app = new Hono();
app.get("/", (c) => c.text("ok"));
app.get("/thread", (c) => c.text(String(threadId)));
app.get("/slow", async (c) => {
  console.log("slow request started in thread " + threadId);
  await Bun.sleep(Number(c.req.query("ms") ?? 1500));
  return c.text("slow done");
});
app.get("/crash", () => process.exit(7));
app.get("/spin", () => { for (;;) {} });
export default app;
`;

/** `pulsar serve` of the app above in thread mode, on a free port. */
async function serveThreads(dir: string, args: string[]): Promise<Proc> {
  writeFileSync(join(dir, "app.ts"), APP);
  const where = ["--bind", "127.0.0.1:0", "--pid-file", "a.pid", "--log-level", "info"];
  return Proc.binary(["serve", "app.ts", "--concurrency", "thread", ...args, ...where], { cwd: dir });
}

/** GET with real curl: its exit code (52: no reply at all) and everything it printed. */
async function curl(url: string): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["curl", "-si", "--max-time", "20", url], { stdout: "pipe", stderr: "ignore" });
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return { code, out };
}

/** The replacement serves: a healthy route answers 200 (retried while no worker listens). */
async function servesAgain(url: string): Promise<void> {
  const ok = await until(async () => {
    const res = await curl(`${url}/`);
    return res.code === 0 && res.out.startsWith("HTTP/1.1 200") ? res : null;
  }, 15_000);
  expect(ok.out).toEndWith("\r\n\r\nok");
}

/** One request on a kept-alive raw connection; the answer's text, or "" if it closed without one. */
async function ask(client: RawClient, path: string): Promise<string> {
  const from = client.receivedBytes();
  await client.send(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
  return until(() => {
    const text = client.received().subarray(from).toString("latin1");
    const length = text.match(/content-length: (\d+)/i);
    const end = text.indexOf("\r\n\r\n");
    if (length && end >= 0 && text.length >= end + 4 + Number(length[1])) return text;
    return client.isClosed() ? text || "closed" : null;
  }, 20_000);
}

describe("a worker thread that dies under a request", () => {
  it("process.exit in a handler: that request and the one in flight beside it get no reply, not a 204", async () => {
    using dir = tempDir();
    await using arb = await serveThreads(dir.path, ["--workers", "1"]);
    const url = await arb.url();
    const slow = curl(`${url}/slow?ms=5000`);
    await arb.waitFor(/slow request started/);
    const crash = await curl(`${url}/crash`);
    expect(crash).toEqual({ code: 52, out: "" });
    expect(await slow).toEqual({ code: 52, out: "" });
    await arb.waitFor(/died \(exit code 7\); replacing it/);
    await servesAgain(url);
  });

  it("a handler stuck in a loop: the silent thread is killed and its client gets no reply, not a 204", async () => {
    using dir = tempDir();
    await using arb = await serveThreads(dir.path, ["--workers", "1", "--timeout", "2"]);
    const url = await arb.url();
    const spin = await curl(`${url}/spin`);
    expect(spin).toEqual({ code: 52, out: "" });
    await arb.waitFor(/silent for 2 s; killing it/);
    await servesAgain(url);
  });

  it("leaves the requests of its sibling threads alone", async () => {
    using dir = tempDir();
    await using arb = await serveThreads(dir.path, ["--workers", "2"]);
    const port = Number(new URL(await arb.url()).port);
    // A kept-alive connection stays on the thread that accepted it: find one on each.
    const byThread = new Map<string, RawClient>();
    const spare: RawClient[] = [];
    try {
      await until(async () => {
        const client = await rawClient(port);
        const thread = (await ask(client, "/thread")).split("\r\n\r\n")[1] as string;
        if (byThread.has(thread)) spare.push(client);
        else byThread.set(thread, client);
        return byThread.size === 2;
      }, 15_000);
      const [survivor, doomed] = [...byThread.values()] as [RawClient, RawClient];
      const slow = ask(survivor, "/slow?ms=1500");
      await arb.waitFor(/slow request started/);
      expect(await ask(doomed, "/crash")).toBe("closed");
      const answer = await slow;
      expect(answer).toStartWith("HTTP/1.1 200");
      expect(answer).toEndWith("slow done");
      await arb.waitFor(/died \(exit code 7\); replacing it/);
    } finally {
      for (const client of [...byThread.values(), ...spare]) client.socket.end();
    }
  });
});

/** SocketServer behaviour beyond echo: async protocols, idle timeout, backpressure, limits, TLS, bad settings. */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { controlRequest } from "../../src/actor/control.ts";
import { FIXTURES, Proc, ROOT, tempDir } from "../helpers/proc.ts";
import { selfSigned } from "../helpers/tls.ts";
import { rawClient } from "./tcp-client.ts";

setDefaultTimeout(60_000);
const D = "\r\n\r\n";

function echoArgs(dir: string, ...extra: string[]): string[] {
  return ["run", "echo", "--bind", "127.0.0.1:0", "--pid-file", join(dir, "a.pid"), "--log-level", "info", ...extra];
}

async function startEcho(dir: string, ...extra: string[]): Promise<{ proc: Proc; port: number }> {
  const proc = Proc.script(join(ROOT, "src/cli/main.ts"), echoArgs(dir, ...extra));
  const port = Number((await proc.waitFor(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
  await proc.waitFor(/arbiter ready/);
  return { proc, port };
}

const rssKb = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1]);

describe("SocketServer", () => {
  it("runs an async protocol in order per connection, with per-connection state and open/close hooks", async () => {
    using dir = tempDir();
    await using proc = Proc.script(join(FIXTURES, "net/protocols.ts"), [
      "--bind",
      "127.0.0.1:0",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    const port = Number((await proc.waitFor(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
    const [a, b] = await Promise.all([rawClient(port), rawClient(port)]);
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    await a.send(lines.slice(0, 10).join("\n"));
    await b.send("other\n");
    await a.send(`\n${lines.slice(10).join("\n")}\n`);
    const expected = `hello\n${lines.map((l, i) => `${i + 1}:${l.toUpperCase()}\n`).join("")}`;
    expect((await a.waitBytes(expected.length)).toString()).toBe(expected);
    expect((await b.waitBytes(14)).toString()).toBe("hello\n1:OTHER\n");
    a.socket.end();
    await proc.waitFor(/lost \d+ after 20 lines/);
    // A handler that throws is logged and closes only its own connection.
    await b.send("boom\n");
    await b.closed;
    await proc.waitFor(/a protocol bug/);
    const c = await rawClient(port);
    await c.send("still here\n");
    expect((await c.waitBytes(19)).toString()).toBe("hello\n1:STILL HERE\n");
    c.socket.end();
  });

  it("closes a connection idle for keep_alive seconds, but not one that keeps talking", async () => {
    using dir = tempDir();
    const { proc, port } = await startEcho(dir.path, "--keep-alive", "1");
    await using _p = proc;
    const [idle, busy] = await Promise.all([rawClient(port), rawClient(port)]);
    const t0 = performance.now();
    const talk = (async () => {
      for (let i = 0; i < 8 && !busy.isClosed(); i++) {
        await busy.send(`tick ${i}${D}`);
        await Bun.sleep(250); // activity every 250 ms, under the 1 s timeout
      }
    })();
    await idle.closed;
    const idleFor = performance.now() - t0;
    expect(idleFor).toBeGreaterThan(900);
    expect(idleFor).toBeLessThan(5000);
    await talk;
    expect(busy.isClosed()).toBe(false);
    expect(busy.received().toString()).toContain(`tick 7${D}`);
    await busy.closed; // and then, silent, it goes too
  });

  it("stops reading from a client that sends but never reads: the worker's memory stays bounded, nothing is lost", async () => {
    using dir = tempDir();
    const { proc, port } = await startEcho(dir.path, "--workers", "1", "--write-buffer", "65536");
    await using _p = proc;
    const [worker] = await proc.waitChildren(1);
    const before = rssKb(worker as number);
    const c = await rawClient(port, { read: false });
    const msg = Buffer.concat([Buffer.alloc(64 * 1024 - 4, 120), Buffer.from(D)]);
    // Push until the server stops taking bytes: a write that has not drained for a second.
    let sent = 0;
    const cap = 256 * 2 ** 20;
    while (sent < cap) {
      const done = c.send(msg).then(() => true);
      const stalled = await Promise.race([done, Bun.sleep(1000).then(() => false)]);
      if (!stalled) break;
      sent += msg.length;
    }
    expect(sent).toBeLessThan(cap);
    const after = rssKb(worker as number);
    expect((after - before) / 1024).toBeLessThan(48);
    const tree = (await controlRequest(join(dir.path, "a.sock"), "info")) as {
      monitors: { workers: { extra: { bytes_in: number } }[] }[];
    };
    expect(tree.monitors[0]?.workers[0]?.extra.bytes_in).toBeLessThan(64 * 2 ** 20);
    // Once the client reads, every byte it sent comes back.
    c.socket.resume();
    const total = sent + msg.length;
    const back = await c.waitBytes(total, 60_000);
    expect(back.length).toBe(total);
    c.socket.end();
  });

  it("refuses a message larger than stream_buffer with an error and a close", async () => {
    using dir = tempDir();
    const { proc, port } = await startEcho(dir.path, "--stream-buffer", "1000");
    await using _p = proc;
    const c = await rawClient(port);
    await c.send(`${"z".repeat(600)}${D}`);
    await c.waitBytes(604);
    await c.send("z".repeat(1200));
    await c.closed;
    expect(c.received().toString().slice(604)).toBe(`ERROR message too large (over 1000 bytes)${D}`);
  });

  it("serves TLS with cert_file and key_file", async () => {
    using dir = tempDir();
    const { keyFile: key, certFile: cert } = selfSigned(dir.path);
    await using proc = Proc.script(
      join(ROOT, "src/cli/main.ts"),
      echoArgs(dir.path, "--cert-file", cert, "--key-file", key),
    );
    const port = Number((await proc.waitFor(/listening on tls:\/\/127\.0\.0\.1:(\d+)/))[1]);
    const c = await rawClient(port, { tls: true });
    await c.send(`secret${D}`);
    expect((await c.waitBytes(10)).toString()).toBe(`secret${D}`);
    c.socket.end();
  });

  it("refuses a write_buffer below 1024 with exit code 2 and a line naming it", async () => {
    using dir = tempDir();
    await using proc = Proc.script(join(ROOT, "src/cli/main.ts"), echoArgs(dir.path, "--write-buffer", "10"));
    expect(await proc.exitCode()).toBe(2);
    expect(proc.output).toContain("write_buffer");
  });

  it("refuses a bad bind with exit code 2", async () => {
    using dir = tempDir();
    await using proc = Proc.script(join(ROOT, "src/cli/main.ts"), [
      "run",
      "echoudp",
      "--bind",
      "127.0.0.1:notaport",
      "--pid-file",
      join(dir.path, "a.pid"),
    ]);
    expect(await proc.exitCode()).toBe(2);
    expect(proc.output).toContain("bind");
  });
});

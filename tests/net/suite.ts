/**
 * One echo suite, over TCP and UDP, run against every concurrency mode
 * (process, thread, inline) by the *.test.ts files beside it. It runs the
 * real CLI from source: `pulsar run echo echoudp`, both on port 0.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { EchoClient, EchoUdpClient } from "../../apps/echo/client.ts";
import { controlRequest } from "../../src/actor/control.ts";
import { Proc, ROOT, tempDir, until } from "../helpers/proc.ts";
import { rawClient } from "./tcp-client.ts";

type Worker = { pid: number; connections: number; extra?: { accepted: number; bytes_in: number; bytes_out: number } };
type Tree = { monitors: { name: string; workers: Worker[] }[] };

const D = "\r\n\r\n";

export function runEchoSuite(concurrency: "process" | "thread" | "inline"): void {
  describe(`echo and echoudp with concurrency ${concurrency}`, () => {
    const dir = tempDir();
    const workers = concurrency === "inline" ? 0 : 2;
    let program: Proc;
    let tcp = 0;
    let udp = 0;

    beforeAll(async () => {
      program = Proc.script(join(ROOT, "src/cli/main.ts"), [
        "run",
        "echo",
        "echoudp",
        "--echo-bind",
        "127.0.0.1:0",
        "--echoudp-bind",
        "127.0.0.1:0",
        "--workers",
        String(workers),
        "--concurrency",
        concurrency,
        "--pid-file",
        join(dir.path, "a.pid"),
        "--log-level",
        "info",
      ]);
      tcp = Number((await program.waitFor(/echo listening on tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
      udp = Number((await program.waitFor(/echoudp listening on udp:\/\/127\.0\.0\.1:(\d+)/))[1]);
      await program.waitFor(/arbiter ready/);
    });
    afterAll(async () => {
      await program[Symbol.asyncDispose]();
      dir[Symbol.dispose]();
    });

    it("echoes 100 concurrent TCP clients, each its own message", async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const c = await rawClient(tcp);
          const msg = `client ${i} says ${"x".repeat(i * 10)}${D}`;
          await c.send(msg);
          const got = (await c.waitBytes(msg.length)).toString();
          c.socket.end();
          return got === msg;
        }),
      );
      expect(results.filter(Boolean).length).toBe(100);
    });

    it("echoes a TCP message split across packets only once it is whole, and pipelined ones each", async () => {
      const c = await rawClient(tcp);
      c.socket.setNoDelay(true);
      // The pauses put each piece in its own segment; there is no event to await for that.
      for (const piece of ["hel", "lo\r", "\n\r", "\n"]) {
        await c.send(piece);
        await Bun.sleep(15);
        if (piece !== "\n") expect(c.receivedBytes()).toBe(0);
      }
      expect((await c.waitBytes(9)).toString()).toBe(`hello${D}`);
      await c.send(`one${D}two${D}thr`);
      await Bun.sleep(15);
      await c.send(`ee${D}`);
      expect((await c.waitBytes(9 + 7 + 7 + 9)).toString()).toBe(`hello${D}one${D}two${D}three${D}`);
      c.socket.end();
    });

    it("echoes a 10 MB TCP message whole", async () => {
      const c = await rawClient(tcp);
      const body = Buffer.alloc(10 * 2 ** 20);
      for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);
      const msg = Buffer.concat([body, Buffer.from(D)]);
      await c.send(msg);
      const got = await c.waitBytes(msg.length, 60_000);
      expect(got.length).toBe(msg.length);
      expect(got.equals(msg)).toBe(true);
      c.socket.end();
    });

    it("echoes a held message and the whole ones after it, then closes on a QUIT in the same packet", async () => {
      const c = await rawClient(tcp);
      c.socket.setNoDelay(true);
      await c.send("par");
      await Bun.sleep(15);
      expect(c.receivedBytes()).toBe(0);
      await c.send(`t${D}next${D}QUIT${D}after${D}`);
      await c.closed;
      expect(c.received().toString()).toBe(`part${D}next${D}`);
    });

    it("closes the TCP connection on QUIT, after echoing what came before it", async () => {
      const c = await rawClient(tcp);
      await c.send(`bye now${D}QUIT${D}ignored${D}`);
      await c.closed;
      expect(c.received().toString()).toBe(`bye now${D}`);
    });

    it("the pooled client spreads 50 messages over at most 4 connections and gets each echo back", async () => {
      const client = new EchoClient(`127.0.0.1:${tcp}`, { pool: 4 });
      const echoes = await Promise.all(Array.from({ length: 50 }, (_, i) => client.send(`message ${i}`)));
      expect(echoes.map(String)).toEqual(Array.from({ length: 50 }, (_, i) => `message ${i}`));
      expect(client.size).toBeGreaterThan(0);
      expect(client.size).toBeLessThanOrEqual(4);
      await client.close();
      expect(client.size).toBe(0);
    });

    it("info shows the TCP connections open and the bytes in and out per worker", async () => {
      const c = await rawClient(tcp);
      await c.send(`count me${D}`);
      await c.waitBytes(12);
      const echo = await until(async () => {
        const tree = (await controlRequest(join(dir.path, "a.sock"), "info")) as Tree;
        const m = tree.monitors.find((x) => x.name === "echo");
        return m?.workers.some((w) => w.connections >= 1) ? m : null;
      });
      expect(echo.workers.length).toBe(Math.max(workers, 1));
      const total = (k: "bytes_in" | "bytes_out" | "accepted") =>
        echo.workers.reduce((n, w) => n + (w.extra?.[k] ?? 0), 0);
      // Everything the earlier tests sent, 10 MB included, was counted both ways.
      expect(total("bytes_in")).toBeGreaterThan(10 * 2 ** 20);
      expect(total("bytes_out")).toBeGreaterThan(10 * 2 ** 20);
      expect(total("accepted")).toBeGreaterThanOrEqual(103);
      c.socket.end();
    });

    it("echoes 100 concurrent UDP clients, each its own datagram", async () => {
      const clients = Array.from({ length: 100 }, () => new EchoUdpClient(`127.0.0.1:${udp}`));
      const got = await Promise.all(clients.map((c, i) => c.send(`udp client ${i}`)));
      for (const c of clients) c.close();
      expect(got.map(String)).toEqual(Array.from({ length: 100 }, (_, i) => `udp client ${i}`));
    });

    it("echoes a UDP message split across datagrams, and a 10 MB one", async () => {
      const client = new EchoUdpClient(`127.0.0.1:${udp}`);
      const split = Buffer.from("y".repeat(150_000)); // three datagrams
      expect((await client.send(split)).equals(split)).toBe(true);
      const big = Buffer.alloc(10 * 2 ** 20);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
      const echoed = await client.send(big);
      expect(echoed.length).toBe(big.length);
      expect(echoed.equals(big)).toBe(true);
      client.close();
    });

    it("answers a UDP QUIT with BYE", async () => {
      const client = new EchoUdpClient(`127.0.0.1:${udp}`);
      expect(await client.quit()).toBe(`BYE${D}`);
      client.close();
    });
  });
}

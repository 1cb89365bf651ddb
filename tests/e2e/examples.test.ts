/** Each example runs as its header and examples/README.md promise. */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { controlRequest } from "../../src/actor/control.ts";
import { alive, Proc, ROOT, tempDir, until } from "../helpers/proc.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

const example = (name: string) => join(ROOT, "examples", name);

describe("examples", () => {
  it("hello.ts --workers 4 starts four supervised workers that say Hello World!", async () => {
    using dir = tempDir();
    await using arb = Proc.script(example("hello.ts"), [
      "--workers",
      "4",
      "--bind",
      "127.0.0.1:0",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    const url = await arb.url();
    await arb.waitChildren(4);
    const res = await fetch(url);
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    expect(await res.text()).toBe("Hello World!\n");
    expect((await fetch(url, { method: "DELETE" })).status).toBe(405);
  });

  it("greeter.ts calls a custom command in another process, prints the answer and exits 0", async () => {
    await using run = Proc.script(example("greeter.ts"), ["--log-level", "warn"]);
    expect(await run.exitCode()).toBe(0);
    const m = run.output.match(/Hello World! from greeter, pid (\d+)\n\(the arbiter is pid (\d+)\)/);
    expect(m).not.toBeNull();
    const [greeter, arbiter] = [Number(m?.[1]), Number(m?.[2])];
    expect(arbiter).toBe(run.pid);
    expect(greeter).not.toBe(arbiter);
    expect(alive(greeter)).toBe(false);
  });

  it("hono-routes.ts under pulsar serve answers its routes, sets its header and echoes on the websocket", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "serve",
      example("hono-routes.ts"),
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "2",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    const url = await arb.url();
    const kids = await arb.waitChildren(2);
    expect(await (await fetch(`${url}/hello/bob`)).text()).toBe("Hello bob!\n");
    const json = await fetch(`${url}/json`);
    expect(json.headers.get("content-type")).toStartWith("application/json");
    const servedBy = Number(json.headers.get("x-served-by"));
    expect(kids).toContain(servedBy);
    expect(((await json.json()) as { pid: number }).pid).toBe(servedBy);
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    const reply = new Promise<string>((resolve, reject) => {
      ws.onmessage = (e) => resolve(String(e.data));
      ws.onerror = () => reject(new Error("websocket error"));
    });
    ws.onopen = () => ws.send("ping");
    expect(await reply).toBe("echo: ping");
    ws.close();
  });

  it("philosophers.ts counts each philosopher's meals in info", async () => {
    using dir = tempDir();
    const pidFile = join(dir.path, "a.pid");
    await using _program = Proc.script(example("philosophers.ts"), [
      "--workers",
      "3",
      "--eating-period",
      "0.1",
      "--waiting-period",
      "0.1",
      "--pid-file",
      pidFile,
      "--log-level",
      "warn",
    ]);
    type Tree = { monitors: { workers: { extra?: { number: number; eaten: number } }[] }[] };
    const workers = await until(
      async () => {
        const t = (await controlRequest(join(dir.path, "a.sock"), "info").catch(() => null)) as Tree | null;
        const w = t?.monitors[0]?.workers ?? [];
        return w.length === 3 && w.every((x) => (x.extra?.eaten ?? 0) > 0) ? w : null;
      },
      20_000,
      "three philosophers that have eaten",
    );
    expect(workers.map((w) => w.extra?.number).sort()).toEqual([1, 2, 3]);
  });

  describe("from the binary", () => {
    const quiet = (dir: string) => ["--pid-file", join(dir, "a.pid"), "--log-level", "warn"];

    it("pulsar run echo --workers 2 echoes through the example's pooled client and stops cleanly", async () => {
      using dir = tempDir();
      await using arb = await Proc.run("echo", dir.path, "--workers", "2");
      const port = (await arb.waitFor(/echo listening on tcp:\/\/127\.0\.0\.1:(\d+)/))[1] as string;
      await arb.waitChildren(2);
      await using client = Proc.script(example("echo-client.ts"), [`127.0.0.1:${port}`, "hello", "world"]);
      expect(await client.exitCode()).toBe(0);
      expect(client.output).toMatch(/^echo: hello\necho: world\nthrough [12] pooled connection\(s\)\n$/);
      arb.signal("SIGTERM");
      expect(await arb.exitCode()).toBe(0);
    });

    it("pulsar run echoudp echoes datagrams, answers QUIT with BYE and stops cleanly", async () => {
      using dir = tempDir();
      await using arb = await Proc.run("echoudp", dir.path);
      const port = (await arb.waitFor(/echoudp listening on udp:\/\/127\.0\.0\.1:(\d+)/))[1] as string;
      await using client = Proc.script(example("echo-client.ts"), ["--udp", `127.0.0.1:${port}`, "ping"]);
      expect(await client.exitCode()).toBe(0);
      expect(client.output).toBe('echo: ping\nquit: "BYE\\r\\n\\r\\n"\n');
      arb.signal("SIGTERM");
      expect(await arb.exitCode()).toBe(0);
    });

    it("pulsar run greeter prints the greeting from another process and exits 0", async () => {
      using dir = tempDir();
      await using run = await Proc.binary(["run", "greeter", ...quiet(dir.path)]);
      expect(await run.exitCode()).toBe(0);
      const m = run.output.match(/Hello World! from greeter, pid (\d+)\n\(the arbiter is pid (\d+)\)/);
      expect(Number(m?.[2])).toBe(run.pid);
      expect(Number(m?.[1])).not.toBe(run.pid);
    });

    it("pulsar run ping-pong --rounds 4 shows two processes exchanging four pings and pongs, then exits 0", async () => {
      using dir = tempDir();
      await using run = await Proc.binary(["run", "ping-pong", "--rounds", "4", ...quiet(dir.path)]);
      expect(await run.exitCode()).toBe(0);
      const pings = [...run.output.matchAll(/ping \(pid (\d+)\) sends ping (\d)/g)];
      const pongs = [...run.output.matchAll(/pong (\d) \(from pong, pid (\d+)\)/g)];
      expect(pings.map((m) => m[2])).toEqual(["1", "2", "3", "4"]);
      expect(pongs.map((m) => m[1])).toEqual(["1", "2", "3", "4"]);
      const [pingPid, pongPid] = [pings[0]?.[1], pongs[0]?.[2]];
      expect(pingPid).not.toBe(pongPid);
      expect(Number(pingPid)).not.toBe(run.pid);
      expect(run.output).toMatch(/4 round trips in [\d.]+ ms/);
    });

    it("pulsar run remote-object shows a client calling the store's methods in another process, then exits 0", async () => {
      using dir = tempDir();
      await using run = await Proc.binary(["run", "remote-object", ...quiet(dir.path)]);
      expect(await run.exitCode()).toBe(0);
      const m = run.output.match(/client \(pid (\d+)\) called the store \(pid (\d+)\) as a local object/);
      expect(m?.[1]).not.toBe(m?.[2]);
      expect(run.output).toContain('store.get("apples") = 5');
      expect(run.output).toContain('store.keys() = ["apples","pears"]');
      expect(run.output).toContain('E_COMMAND_NOT_FOUND: the remote object has no method "explode"');
    });

    it("pulsar run philosophers still dines, shows meals in info and stops cleanly", async () => {
      using dir = tempDir();
      await using arb = await Proc.binary([
        "run",
        "philosophers",
        "--workers",
        "3",
        "--eating-period",
        "0.1",
        "--waiting-period",
        "0.1",
        ...quiet(dir.path),
      ]);
      type Tree = { monitors: { workers: { extra?: { eaten: number } }[] }[] };
      await until(
        async () => {
          const t = (await controlRequest(join(dir.path, "a.sock"), "info").catch(() => null)) as Tree | null;
          const w = t?.monitors[0]?.workers ?? [];
          return w.length === 3 && w.every((x) => (x.extra?.eaten ?? 0) > 0);
        },
        20_000,
        "three philosophers that have eaten",
      );
      arb.signal("SIGTERM");
      expect(await arb.exitCode()).toBe(0);
    });
  });
});

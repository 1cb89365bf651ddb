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
});

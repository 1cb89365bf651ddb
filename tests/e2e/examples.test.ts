/** Each example runs as its header promises, from source. */
import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { controlRequest } from "../../src/actor/control.ts";
import { Proc, ROOT, tempDir, until } from "../helpers/proc.ts";

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
    expect(await (await fetch(url)).text()).toBe("Hello World!\n");
    expect((await fetch(url, { method: "DELETE" })).status).toBe(405);
  });

  it("greeter.ts calls a custom command in another process and exits 0", async () => {
    await using run = Proc.script(example("greeter.ts"), ["--log-level", "warn"]);
    expect(await run.exitCode()).toBe(0);
    const m = run.output.match(/Hello World! from greeter, pid (\d+)\n\(the arbiter is pid (\d+)\)/);
    expect(m).not.toBeNull();
    expect(m?.[1]).not.toBe(m?.[2]);
    expect(Number(m?.[2])).toBe(run.pid);
  });

  it("philosophers.ts counts each philosopher's meals in info", async () => {
    using dir = tempDir();
    await using _program = Proc.script(example("philosophers.ts"), [
      "--workers",
      "3",
      "--eating-period",
      "0.05",
      "--waiting-period",
      "0.05",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "warn",
    ]);
    type Tree = { monitors: { workers: { extra: { number: number; eaten: number } }[] }[] };
    const workers = await until(async () => {
      const t = (await controlRequest(join(dir.path, "a.sock"), "info").catch(() => null)) as Tree | null;
      const w = t?.monitors[0]?.workers ?? [];
      return w.length === 3 && w.every((x) => x.extra?.eaten > 0) ? w : null;
    }, 20_000);
    expect(workers.map((w) => w.extra.number).sort()).toEqual([1, 2, 3]);
  });
});

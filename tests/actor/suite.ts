/**
 * One behaviour suite for the actor runtime, run against every concurrency
 * mode (process, thread, inline) by the *.test.ts files beside it. It drives
 * the real program tests/fixtures/actors.ts through its control socket.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { controlRequest } from "../../src/actor/control.ts";
import type { PulsarError } from "../../src/errors.ts";
import { FIXTURES, Proc, tempDir, until } from "../helpers/proc.ts";

type Worker = { aid: string; name: string; pid: number; state: string };
type Tree = { pid: number; monitors: { name: string; workers: Worker[] }[] };

const asError = (e: unknown) => e as PulsarError;
const unexpected = (): never => {
  throw new Error("expected the call to fail");
};

export function runActorSuite(concurrency: "process" | "thread" | "inline"): void {
  describe(`actors with concurrency ${concurrency}`, () => {
    const dir = tempDir();
    const sock = join(dir.path, "a.sock");
    const workers = concurrency === "inline" ? 0 : 2;
    let program: Proc;
    const call = (cmd: string, ...args: unknown[]): Promise<unknown> => controlRequest(sock, cmd, args, 10_000);
    const tree = async () => (await call("info")) as Tree;
    const pool = async () => (await tree()).monitors[0]?.workers ?? [];

    beforeAll(async () => {
      program = Proc.script(join(FIXTURES, "actors.ts"), [
        "--pid-file",
        join(dir.path, "a.pid"),
        "--workers",
        String(workers),
        "--concurrency",
        concurrency,
        "--log-level",
        "warn",
      ]);
      await until(
        async () => (await pool().catch(() => [])).filter((w) => w.state === "running").length === Math.max(workers, 1),
        15_000,
        "workers ready",
      );
    });
    afterAll(async () => {
      await program[Symbol.asyncDispose]();
      dir[Symbol.dispose]();
    });

    it("answers ping with pong, from the arbiter and from a worker", async () => {
      const [w] = await pool();
      expect(await call("ping")).toBe("pong");
      expect(await call("relay", w?.aid, "ping")).toBe("pong");
    });

    it("echoes what it is sent", async () => {
      const [w] = await pool();
      expect(await call("relay", w?.aid, "echo", { a: [1, 2] })).toEqual({ a: [1, 2] });
    });

    it("runs each worker where info says it runs", async () => {
      const workersNow = await pool();
      for (const w of workersNow) {
        const me = (await call("relay", w.aid, "whoami")) as { aid: string; pid: number };
        expect(me.aid).toBe(w.aid);
        expect(me.pid).toBe(w.pid);
        if (concurrency === "process") expect(me.pid).not.toBe(program.pid);
        else expect(me.pid).toBe(program.pid);
      }
    });

    it("routes a message from one worker to another through the arbiter", async () => {
      const all = await pool();
      const [a, b] = [all[0], all[1] ?? all[0]];
      const me = (await call("relay", a?.aid, "relay", b?.aid, "whoami")) as { aid: string };
      expect(me.aid).toBe(b?.aid as string);
    });

    it("routes a message from a worker to its app's monitor by app name", async () => {
      const [w] = await pool();
      expect(await call("relay", w?.aid, "relay", "pool", "tally")).toBe(`counted ${w?.aid}`);
    });

    it("runs a registered function inside the target actor", async () => {
      const [w] = await pool();
      expect(await call("relay", w?.aid, "run", "add", 2, 3)).toBe(5);
      expect(((await call("relay", w?.aid, "run", "where")) as { aid: string }).aid).toBe(w?.aid as string);
    });

    it("carries a thrown PulsarError across IPC with its code", async () => {
      const [w] = await pool();
      const err = await call("relay", w?.aid, "fail", "the reason").then(unexpected, asError);
      expect(err.code).toBe("E_CONFIG");
      expect(err.name).toBe("ConfigError");
      expect(err.message).toBe("the reason");
    });

    it("turns a plain thrown error into E_COMMAND_FAILED with its message", async () => {
      const [w] = await pool();
      const err = await call("relay", w?.aid, "crash_plain").then(unexpected, asError);
      expect(err.code).toBe("E_COMMAND_FAILED");
      expect(err.message).toBe("plain failure");
    });

    it("answers an unknown command with E_COMMAND_NOT_FOUND, not a hang", async () => {
      const [w] = await pool();
      const err = await call("relay", w?.aid, "no_such_command").then(unexpected, asError);
      expect(err.code).toBe("E_COMMAND_NOT_FOUND");
      expect(err.message).toContain("no_such_command");
    });

    it("answers an unknown target with E_ACTOR_NOT_FOUND, from a worker too", async () => {
      const [w] = await pool();
      expect((await call("relay", "ghost", "ping").then(unexpected, asError)).code).toBe("E_ACTOR_NOT_FOUND");
      expect((await call("relay", w?.aid, "relay", "ghost", "ping").then(unexpected, asError)).code).toBe(
        "E_ACTOR_NOT_FOUND",
      );
    });

    it("times a call out with E_IPC_TIMEOUT after its own timeout", async () => {
      const [w] = await pool();
      const started = Date.now();
      const err = await call("relay_timeout", w?.aid, "slow", 200, 3000).then(unexpected, asError);
      expect(err.code).toBe("E_IPC_TIMEOUT");
      expect(Date.now() - started).toBeLessThan(2500);
      // The worker is still fine afterwards.
      expect(await call("relay", w?.aid, "ping")).toBe("pong");
    });

    it("gets and sets a worker's config, and rejects a bad value with E_CONFIG", async () => {
      const [w] = await pool();
      expect(await call("relay", w?.aid, "config", "get", "timeout")).toBe(30);
      expect(await call("relay", w?.aid, "config", "set", "max_requests", "7")).toBe(7);
      expect(await call("relay", w?.aid, "config", "get", "max_requests")).toBe(7);
      expect(
        (await call("relay", w?.aid, "config", "set", "max_requests", "lots").then(unexpected, asError)).code,
      ).toBe("E_CONFIG");
    });

    it("spawns an actor from a worker, and the actor answers its own commands", async () => {
      const [w] = await pool();
      const r = (await call("relay", w?.aid, "spawn_from_here", "shouter")) as {
        aid: string;
        pid: number;
        answer: string;
      };
      expect(r.answer).toBe("HI!");
      expect(r.pid).not.toBe(program.pid);
      const t = (await tree()) as Tree & { actors: { aid: string }[] };
      expect(t.actors.map((a) => a.aid)).toContain(r.aid);
      expect(await call("kill_actor", r.aid)).toBe(`killed ${r.aid}`);
      expect(((await tree()) as Tree & { actors: { aid: string }[] }).actors.map((a) => a.aid)).not.toContain(r.aid);
    });

    it("reports the whole tree in info, with the app's worker_info", async () => {
      const t = (await tree()) as Tree & Record<string, unknown>;
      expect(t.pid).toBe(program.pid);
      expect(t.monitors.map((m) => m.name)).toEqual(["pool"]);
      const w = t.monitors[0]?.workers[0] as Record<string, unknown>;
      for (const key of ["aid", "name", "state", "pid", "uptime", "memory", "requests", "connections"])
        expect(w).toHaveProperty(key);
      // Under extra, where `pulsar info` shows it (its EXTRA column), not beside the figures.
      expect(w.extra).toEqual({ marker: `info-of-${w.name}` });
      expect(w).not.toHaveProperty("marker");
      expect(Number(w.memory)).toBeGreaterThan(1_000_000);
    });
  });
}

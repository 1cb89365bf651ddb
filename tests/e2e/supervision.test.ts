/**
 * Supervision, through the compiled binary and real processes: respawn,
 * heartbeats, boot failures, recycling, reloads, scaling, signals, orphans,
 * hooks, titles and the control commands.
 */
import { describe, expect, it } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { controlRequest } from "../../src/actor/control.ts";
import type { PulsarError } from "../../src/errors.ts";
import { alive, childrenOf, FIXTURES, freePort, Proc, tempDir, until } from "../helpers/proc.ts";

const quiet = ["--log-level", "warn"];
/** `pulsar run philosophers` from the binary, with its pid file (and control socket) in `dir`. */
const philosophers = (dir: string, workers: number) =>
  Proc.binary(["run", "philosophers", "--workers", String(workers), "--pid-file", join(dir, "a.pid"), ...quiet]);
type Tree = { monitors: { workers: { aid: string; pid: number; state: string; extra?: Record<string, unknown> }[] }[] };

describe("supervision", () => {
  it("replaces a SIGKILLed worker with a new one", async () => {
    using dir = tempDir();
    await using arb = await philosophers(dir.path, 3);
    const before = await arb.waitChildren(3);
    const victim = before[0] as number;
    process.kill(victim, "SIGKILL");
    const after = await until(() => {
      const c = arb.children();
      return c.length === 3 && !c.includes(victim) ? c : null;
    });
    expect(after).not.toContain(victim);
    expect(arb.proc.exitCode).toBeNull();
  });

  it("kills and replaces a worker that stops heartbeating", async () => {
    using dir = tempDir();
    const sock = join(dir.path, "a.sock");
    await using arb = Proc.script(join(FIXTURES, "actors.ts"), [
      "--workers",
      "2",
      "--timeout",
      "1",
      "--pid-file",
      join(dir.path, "a.pid"),
      ...quiet,
    ]);
    const tree = async () => (await controlRequest(sock, "info")) as Tree;
    const workers = await until(async () => {
      const w = (await tree().catch(() => null))?.monitors[0]?.workers;
      return w?.length === 2 && w.every((x) => x.state === "running") ? w : null;
    });
    const hung = workers[0] as { aid: string; pid: number };
    // The command blocks the worker's event loop, so its call times out and its heartbeats stop.
    const err = (await controlRequest(sock, "relay_timeout", [hung.aid, "hang", 200]).catch((e) => e)) as PulsarError;
    expect(err.code).toBe("E_IPC_TIMEOUT");
    await until(() => !alive(hung.pid), 8000, "the hung worker to be killed");
    const fresh = await until(async () => {
      const w = (await tree()).monitors[0]?.workers ?? [];
      return w.length === 2 && w.every((x) => x.state === "running" && x.aid !== hung.aid) ? w : null;
    });
    expect(fresh.map((w) => w.pid)).not.toContain(hung.pid);
    expect(arb.output).toContain("silent for");
  });

  it("stops with exit code 3 and the cause when a worker cannot boot, instead of respawning", async () => {
    await using arb = Proc.script(join(FIXTURES, "boot-fail.ts"), ["--workers", "2", ...quiet]);
    expect(await arb.exitCode(10_000)).toBe(3);
    expect(arb.output).toContain("database unreachable");
    expect(arb.output.match(/failed to boot/g)?.length ?? 0).toBeLessThanOrEqual(4);
  });

  it("backs off when a worker keeps crashing", async () => {
    using dir = tempDir();
    const log = join(dir.path, "starts");
    await using arb = Proc.script(join(FIXTURES, "crashy.ts"), ["--workers", "1", ...quiet], {
      env: { CRASHY_LOG: log },
    });
    await arb.waitFor(/died/, 10_000);
    await Bun.sleep(3000);
    const starts = readFileSync(log, "utf8").trim().split("\n").map(Number);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    // Without backoff a 150 ms life would give ~15 starts in 3 s.
    expect(starts.length).toBeLessThanOrEqual(8);
    expect(gaps.at(-1) as number).toBeGreaterThan((gaps[0] as number) * 2);
    expect(arb.proc.exitCode).toBeNull();
  });

  it("recycles a worker after max_requests, answering every request", async () => {
    using dir = tempDir();
    await using arb = await Proc.run("hello", dir.path, "--workers", "1", "--max-requests", "10");
    const url = await arb.url();
    const [first] = await arb.waitChildren(1);
    for (let i = 0; i < 25; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("Hello World!\n");
    }
    await until(() => {
      const c = arb.children();
      return c.length === 1 && c[0] !== first;
    });
    expect(arb.output).toContain("max_requests");
  });

  it("rolls the workers one at a time on HUP, never below the target", async () => {
    using dir = tempDir();
    await using arb = await philosophers(dir.path, 3);
    const before = await arb.waitChildren(3);
    arb.signal("SIGHUP");
    let min = 99;
    let max = 0;
    await until(() => {
      const c = arb.children();
      min = Math.min(min, c.length);
      max = Math.max(max, c.length);
      return c.length === 3 && c.every((p) => !before.includes(p));
    }, 20_000);
    expect(min).toBeGreaterThanOrEqual(3);
    expect(max).toBeLessThanOrEqual(4);
  });

  it("adds a worker on TTIN and removes one on TTOU", async () => {
    using dir = tempDir();
    await using arb = await philosophers(dir.path, 2);
    await arb.waitChildren(2);
    arb.signal("SIGTTIN");
    await arb.waitChildren(3);
    // Two signals sent at once may arrive as one (POSIX signals do not queue): one at a time.
    arb.signal("SIGTTOU");
    await arb.waitChildren(2);
    arb.signal("SIGTTOU");
    await arb.waitChildren(1);
  });

  it("stops gracefully on TERM: exit 0 and no worker left", async () => {
    using dir = tempDir();
    await using arb = await philosophers(dir.path, 2);
    const kids = await arb.waitChildren(2);
    arb.signal("SIGTERM");
    expect(await arb.exitCode()).toBe(0);
    for (const k of kids) await until(() => !alive(k), 3000);
  });

  it("leaves no orphan when the arbiter is SIGKILLed", async () => {
    using dir = tempDir();
    await using arb = await philosophers(dir.path, 2);
    const kids = await arb.waitChildren(2);
    arb.signal("SIGKILL");
    const t0 = Date.now();
    for (const k of kids) await until(() => !alive(k), 2500, `worker ${k} to exit`);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it("stops at once on a second INT", async () => {
    using dir = tempDir();
    await using arb = Proc.script(join(FIXTURES, "actors.ts"), [
      "--workers",
      "1",
      "--exit-timeout",
      "30",
      "--pid-file",
      join(dir.path, "a.pid"),
      ...quiet,
    ]);
    const [kid] = await arb.waitChildren(1);
    const sock = join(dir.path, "a.sock");
    await until(() => controlRequest(sock, "ping").catch(() => null));
    const tree = (await controlRequest(sock, "info")) as Tree;
    // A worker stuck in a loop cannot drain: the first INT waits, the second ends it.
    controlRequest(sock, "relay_timeout", [tree.monitors[0]?.workers[0]?.aid, "hang", 100]).catch(() => {});
    await Bun.sleep(200);
    arb.signal("SIGINT");
    await Bun.sleep(300);
    expect(arb.proc.exitCode).toBeNull();
    arb.signal("SIGINT");
    expect(await arb.exitCode(3000)).toBe(1);
    await until(() => !alive(kid as number), 2000);
  });

  it("titles its processes so that ps shows who is who", async () => {
    using dir = tempDir();
    await using arb = await philosophers(dir.path, 1);
    const [kid] = await arb.waitChildren(1);
    await until(() => readFileSync(`/proc/${arb.pid}/comm`, "utf8").trim() === "pulsar: arbiter");
    expect(readFileSync(`/proc/${kid}/cmdline`, "utf8").split("\0")[0]).toBe("pulsar: philosophers worker 1");
  });
});

describe("hooks", () => {
  it("runs the lifecycle hooks of a config file, logging the ones that throw without wedging the stop", async () => {
    using dir = tempDir();
    const log = join(dir.path, "hooks.log");
    const pid = join(dir.path, "a.pid");
    await using arb = await Proc.binary(
      ["run", "--config", join(FIXTURES, "config/hooks.ts"), "--pid-file", pid, ...quiet],
      { env: { HOOKS_LOG: log } },
    );
    await arb.waitChildren(2);
    await until(() => {
      try {
        return readFileSync(log, "utf8").includes("when_ready");
      } catch {
        return false;
      }
    });
    // What worker_info returns joins the app's own extra (the philosopher's seat), where
    // `pulsar info` shows it.
    await using json = await Proc.binary(["info", "--json", "--pid-file", pid]);
    expect(await json.exitCode(20_000)).toBe(0);
    const tree = JSON.parse(json.output) as Tree;
    const workers = tree.monitors[0]?.workers ?? [];
    expect(workers.map((w) => w.extra?.number).sort()).toEqual([1, 2]);
    for (const w of workers) expect(w.extra).toMatchObject({ hooked: true });
    await using table = await Proc.binary(["info", "--pid-file", pid]);
    expect(await table.exitCode(20_000)).toBe(0);
    // Seats are taken in the order the workers ask, not by worker index: each row shows its own.
    for (const n of [1, 2])
      expect(table.output).toMatch(new RegExp(`philosophers worker \\d .*number=${n} eaten=\\d+ hooked=true`));
    arb.signal("SIGTERM");
    expect(await arb.exitCode(15_000)).toBe(0);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toContain("monitor_start philosophers");
    expect(lines.filter((l) => l.startsWith("worker_start")).length).toBe(2);
    expect(lines.filter((l) => l === "worker_stopping").length).toBe(2);
    expect(lines.at(-1)).toBe("when_exit");
    expect(arb.output).toContain("hook worker_stopping failed: worker_stopping went wrong");
    expect(arb.output).toContain("hook monitor_stopping failed: monitor_stopping went wrong");
  });
});

describe("hooks, once each", () => {
  const perApp = (app: string) => [`on_config ${app}`, `monitor_start ${app}`, `worker_start ${app} worker 1`];
  const cases: [string[], string[]][] = [
    [["hello"], [...perApp("hello"), "when_ready", "when_exit"]],
    [
      ["hello", "echo"],
      [...perApp("hello"), ...perApp("echo"), "when_ready", "echo when_ready", "when_exit", "echo when_exit"],
    ],
  ];
  for (const [apps, expected] of cases) {
    it(`runs a config file's when_ready and when_exit once with ${apps.length} app(s), its per-app hooks once per app`, async () => {
      using dir = tempDir();
      const log = join(dir.path, "hooks.log");
      await using arb = await Proc.binary(
        [
          "run",
          "--config",
          join(FIXTURES, "config/hooks-once.ts"),
          "--pid-file",
          join(dir.path, "a.pid"),
          "--log-level",
          "info",
        ],
        { env: { HOOKS_LOG: log, HOOKS_APPS: apps.join(",") } },
      );
      await arb.waitFor(/arbiter ready/); // logged after every when_ready hook
      arb.signal("SIGTERM");
      expect(await arb.exitCode(15_000)).toBe(0);
      expect(readFileSync(log, "utf8").trim().split("\n").sort()).toEqual(expected.sort());
    });
  }
});

describe("control commands", () => {
  /** A control command from the binary against the arbiter of pid file `pid`: its exit code and output. */
  const control =
    (pid: string) =>
    async (...args: string[]) => {
      await using p = await Proc.binary([...args, "--pid-file", pid]);
      return { code: await p.exitCode(60_000), out: p.output };
    };

  it("scales, reloads and stops a running arbiter through its control socket", async () => {
    using dir = tempDir();
    const pid = join(dir.path, "a.pid");
    await using arb = await Proc.binary(["run", "philosophers", "--workers", "2", "--pid-file", pid, ...quiet]);
    const before = await arb.waitChildren(2);
    const cli = control(pid);
    expect(await cli("scale", "3")).toEqual({ code: 0, out: "philosophers: 3 workers\n" });
    await arb.waitChildren(3);
    expect((await cli("reload")).code).toBe(0);
    const after = await arb.waitChildren(3);
    expect(after.some((p) => before.includes(p))).toBe(false);
    const info = await cli("info");
    expect(info.code).toBe(0);
    for (const p of after) expect(info.out).toContain(String(p));
    expect((await cli("stop")).code).toBe(0);
    expect(await arb.exitCode(5000)).toBe(0);
  });

  it("refuses a pool size outside 1…1024 (scale 5000 would fork until the machine stops), and keeps the pool", async () => {
    using dir = tempDir();
    const pid = join(dir.path, "a.pid");
    await using arb = await Proc.binary(["run", "philosophers", "--workers", "2", "--pid-file", pid, ...quiet]);
    const before = await arb.waitChildren(2);
    const cli = control(pid);
    const huge = await cli("scale", "5000");
    expect(huge.code).toBe(2);
    expect(huge.out).toContain("philosophers: workers must be a whole number from 1 to 1024, not 5000");
    expect((await cli("scale", "0")).code).toBe(2);
    await Bun.sleep(500);
    expect(arb.children().sort()).toEqual([...before].sort());
  });

  it("says an app run inside the arbiter (--workers 0) has no pool to scale", async () => {
    using dir = tempDir();
    const pid = join(dir.path, "a.pid");
    await using arb = await Proc.binary(["run", "hello", "--bind", "127.0.0.1:0", "--workers", "0", "--pid-file", pid]);
    await until(() => arb.output.includes("arbiter ready"));
    await using p = await Proc.binary(["scale", "3", "--app", "hello", "--pid-file", pid]);
    expect(await p.exitCode(60_000)).toBe(2);
    expect(p.output).toContain("hello runs inside the arbiter (--workers 0): it has no pool to scale");
    arb.signal("SIGTTIN");
    await until(() => arb.output.includes("TTIN and TTOU do not apply"));
    expect(arb.children()).toEqual([]);
  });
});

describe("the worker guard", () => {
  it("refuses to run as a worker without an IPC channel, and spawns nothing", async () => {
    const identity = JSON.stringify({
      aid: "x-1",
      name: "stray",
      kind: "app",
      app: "hello",
      index: 1,
      concurrency: "process",
      cfg: {},
    });
    await using stray = await Proc.binary(["run", "hello"], { env: { PULSAR_ACTOR: identity } });
    expect(await stray.exitCode(10_000)).toBe(3);
    expect(stray.output).toContain("no IPC channel");
    expect(stray.children()).toEqual([]);
  });
});

describe("one arbiter per pid file", () => {
  /** `pulsar stop` and an exit code, for the pid file at `pid`. */
  const stop = async (pid: string) => {
    await using p = await Proc.binary(["stop", "--pid-file", pid]);
    return await p.exitCode(20_000);
  };

  it("refuses a second arbiter with the same pid file, before it binds or spawns, and keeps the first one's", async () => {
    using dir = tempDir();
    const pid = join(dir.path, "a.pid");
    await using first = await philosophers(dir.path, 1);
    await first.waitChildren(1);
    await until(() => controlRequest(join(dir.path, "a.sock"), "ping").catch(() => null));
    const port = freePort();
    await using second = await Proc.binary(["run", "hello", "--bind", `127.0.0.1:${port}`, "--pid-file", pid]);
    expect(await second.exitCode(20_000)).toBe(3);
    expect(second.output.trim()).toBe(
      `pulsar: already running as pid ${first.pid} (pid file ${pid}); stop it first, or use another --pid-file`,
    );
    expect(readFileSync(pid, "utf8").trim()).toBe(String(first.pid));
    expect(await fetch(`http://127.0.0.1:${port}/`).catch(() => null)).toBeNull();
    expect(await stop(pid)).toBe(0);
    expect(await first.exitCode(10_000)).toBe(0);
  });

  it("refuses one whose control socket another arbiter answers on, though its pid file is gone", async () => {
    using dir = tempDir();
    const pid = join(dir.path, "a.pid");
    await using first = await philosophers(dir.path, 1);
    await first.waitChildren(1);
    await until(() => controlRequest(join(dir.path, "a.sock"), "ping").catch(() => null));
    const { unlinkSync } = await import("node:fs");
    unlinkSync(pid);
    await using second = await Proc.binary(["run", "hello", "--bind", "127.0.0.1:0", "--pid-file", pid]);
    expect(await second.exitCode(20_000)).toBe(3);
    expect(second.output).toContain(`pulsar: already running on ${join(dir.path, "a.sock")} (pid file ${pid})`);
    expect(existsSync(pid)).toBe(false);
    expect(first.proc.exitCode).toBeNull();
  });

  it("refuses a second --daemon in the same folder before it detaches; pulsar stop still reaches the first", async () => {
    using dir = tempDir();
    const pidFile = join(dir.path, "pulsar.pid");
    const [p1, p2] = [freePort(), freePort()];
    const daemon = { pid: 0 };
    try {
      await using launcher = await Proc.binary(
        ["run", "hello", "--daemon", "--bind", `127.0.0.1:${p1}`, "-w", "2", ...quiet],
        { cwd: dir.path },
      );
      expect(await launcher.exitCode(70_000)).toBe(0);
      daemon.pid = Number(readFileSync(pidFile, "utf8"));
      await using again = await Proc.binary(["run", "hello", "--daemon", "--bind", `127.0.0.1:${p2}`, ...quiet], {
        cwd: dir.path,
      });
      expect(await again.exitCode(20_000)).toBe(3);
      expect(again.output.trim()).toBe(
        `pulsar: already running as pid ${daemon.pid} (pid file ${pidFile}); stop it first, or use another --pid-file`,
      );
      expect(readFileSync(pidFile, "utf8").trim()).toBe(String(daemon.pid));
      expect(await fetch(`http://127.0.0.1:${p2}/`).catch(() => null)).toBeNull();
      expect((await fetch(`http://127.0.0.1:${p1}/`)).status).toBe(200);
      expect(await stop(pidFile)).toBe(0);
      await until(() => !alive(daemon.pid), 10_000);
    } finally {
      // The first daemon, and a second one if it was let in (it took the pid file).
      const taken = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
      for (const d of new Set([daemon.pid, taken]))
        if (d && alive(d)) for (const p of [d, ...childrenOf(d)]) process.kill(p, "SIGKILL");
    }
  });

  it("replaces a stale pid file: a dead pid, or a live process that is no arbiter", async () => {
    using dir = tempDir();
    const pid = join(dir.path, "a.pid");
    for (const stale of [2 ** 22 + 1, process.pid]) {
      writeFileSync(pid, `${stale}\n`);
      await using arb = await Proc.run("hello", dir.path, "--workers", "1");
      await arb.url();
      await until(() => readFileSync(pid, "utf8").trim() === String(arb.pid));
      arb.signal("SIGTERM");
      expect(await arb.exitCode()).toBe(0);
    }
  });
});

describe("signals that do not stop", () => {
  it("logs USR1 and USR2 and keeps serving with the same workers, which ignore them too; ABRT stops gracefully", async () => {
    using dir = tempDir();
    await using arb = await Proc.run("hello", dir.path, "--workers", "2");
    const url = await arb.url();
    const workers = await arb.waitChildren(2);
    await arb.waitFor(/arbiter ready/);
    arb.signal("SIGUSR1");
    await arb.waitFor(/USR1: no log file to reopen/);
    arb.signal("SIGUSR2");
    await arb.waitFor(/USR2: upgrading the binary on the fly is not supported/);
    for (const w of workers) {
      process.kill(w, "SIGUSR1");
      process.kill(w, "SIGUSR2");
    }
    // A signal's default action kills on delivery: after a round trip through every worker
    // (info asks each one), one it would have killed is gone.
    await controlRequest(join(dir.path, "a.sock"), "info");
    for (const w of workers) expect(alive(w)).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Hello World!\n");
    expect(arb.children()).toEqual(workers);
    expect(arb.output).not.toContain("died");
    arb.signal("SIGABRT");
    expect(await arb.exitCode()).toBe(0);
    expect(arb.output.trimEnd().split("\n").at(-1)).toContain("Bye (exit code 0)");
    for (const w of workers) await until(() => !alive(w), 3000);
  });
});

describe("stopping while booting", () => {
  it("stops in order on TERM while a worker is still booting: no listening line after stopping, and a Bye", async () => {
    using dir = tempDir();
    const log = join(dir.path, "hooks.log");
    const [bootGate, stopGate] = [join(dir.path, "boot"), join(dir.path, "stop")];
    const pid = join(dir.path, "a.pid");
    await using arb = await Proc.binary(
      ["run", "--config", join(FIXTURES, "config/stop-while-booting.ts"), "--pid-file", pid, "--log-level", "info"],
      { env: { HOOKS_LOG: log, BOOT_GATE: bootGate, STOP_GATE: stopGate } },
    );
    await until(() => existsSync(log) && readFileSync(log, "utf8").includes("worker_start"));
    arb.signal("SIGTERM");
    await arb.waitFor(/stopping/);
    await until(() => readFileSync(log, "utf8").includes("monitor_stopping"));
    // The worker comes up while the stop is under way (held in monitor_stopping): the
    // arbiter has its ready message once the control socket shows it running.
    writeFileSync(bootGate, "");
    await until(async () => {
      const tree = (await controlRequest(join(dir.path, "a.sock"), "info")) as Tree;
      return tree.monitors[0]?.workers[0]?.state === "running";
    });
    writeFileSync(stopGate, "");
    expect(await arb.exitCode()).toBe(0);
    expect(arb.output).not.toContain("listening on");
    expect(arb.output).not.toContain("arbiter ready");
    expect(arb.output.trimEnd().split("\n").at(-1)).toContain("Bye (exit code 0)");
    expect(arb.children()).toEqual([]);
  });
});

describe("on_config", () => {
  it("exits with code 2 and one line when it vetoes every app, spawning nothing", async () => {
    await using arb = await Proc.binary(["run", "--config", join(FIXTURES, "config/veto-all.ts"), ...quiet]);
    expect(await arb.exitCode(20_000)).toBe(2);
    expect(arb.output.trim()).toBe("pulsar: on_config vetoed hello, echo: no app is left to run");
  });
});

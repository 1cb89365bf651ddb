/**
 * `--daemon`, through the compiled binary: the command returns once the apps
 * serve (a script may use them on its next line), fails with the boot error
 * when they cannot, and the daemon stops by its pid file. Every daemon started
 * here is stopped by the PID in its pid file.
 */
import { describe, expect, it } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { controlRequest } from "../../src/actor/control.ts";
import { alive, childrenOf, freePort, Proc, tempDir, until } from "../helpers/proc.ts";

const quiet = ["--log-level", "warn"];
type Tree = { state: string; monitors: { workers: { state: string }[] }[] };

/**
 * The daemon named by `pidFile` (0 while there is none): disposing stops it by
 * that PID (TERM, then KILL with its workers). Read when asked, so it can be
 * declared before the daemon exists and still clean up after a failed assertion.
 */
function daemonOf(pidFile: string): { readonly pid: number } & AsyncDisposable {
  let known = 0;
  const pid = () => (known ||= existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0);
  return {
    get pid() {
      return pid();
    },
    async [Symbol.asyncDispose]() {
      const daemon = pid();
      if (!daemon || !alive(daemon)) return;
      const workers = childrenOf(daemon);
      process.kill(daemon, "SIGTERM");
      await until(() => !alive(daemon), 10_000).catch(() => {
        for (const p of [daemon, ...workers]) if (alive(p)) process.kill(p, "SIGKILL");
      });
    },
  };
}

/** `pulsar run <args> --daemon --pid-file <dir>/d.pid`, from `dir`. */
const runDaemon = (dir: string, ...args: string[]) =>
  Proc.binary(["run", ...args, "-D", "--pid-file", join(dir, "d.pid"), ...quiet], { cwd: dir });

describe("--daemon", () => {
  it("returns once the app serves: a request right after it succeeds", async () => {
    using dir = tempDir();
    const port = freePort();
    await using daemon = daemonOf(join(dir.path, "d.pid"));
    await using launcher = await runDaemon(dir.path, "hello", "--workers", "2", "--bind", `127.0.0.1:${port}`);
    expect(await launcher.exitCode(70_000)).toBe(0);
    expect(launcher.output).toContain(`running in the background as pid ${daemon.pid}`);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe("Hello World!\n");
    const tree = (await controlRequest(join(dir.path, "d.sock"), "info")) as Tree;
    expect(tree.state).toBe("running");
    expect(tree.monitors[0]?.workers.map((w) => w.state)).toEqual(["running", "running"]);
  });

  it("exits with the boot error when the port is taken, and leaves nothing running", async () => {
    using dir = tempDir();
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      await using daemon = daemonOf(join(dir.path, "d.pid"));
      await using launcher = await runDaemon(dir.path, "hello", "--bind", `127.0.0.1:${taken.port}`);
      expect(await launcher.exitCode(70_000)).toBe(3);
      expect(launcher.output).toContain(`cannot bind 127.0.0.1:${taken.port} (tcp): the address is already in use`);
      expect(launcher.output).toContain("pulsar: the daemon stopped before it was ready (exit code 3)");
      expect(daemon.pid).toBe(0); // it removed its pid file on the way out
    } finally {
      taken.stop(true);
    }
  });

  it("stops by pid file", async () => {
    using dir = tempDir();
    const pidFile = join(dir.path, "d.pid");
    await using daemon = daemonOf(pidFile);
    await using launcher = await runDaemon(dir.path, "philosophers", "--workers", "2");
    expect(await launcher.exitCode(70_000)).toBe(0);
    expect(daemon.pid).not.toBe(launcher.pid);
    expect(alive(daemon.pid)).toBe(true);
    const tree = (await controlRequest(join(dir.path, "d.sock"), "info")) as Tree;
    expect(tree.monitors[0]?.workers.length).toBe(2);
    await using stop = await Proc.binary(["stop", "--pid-file", pidFile]);
    expect(await stop.exitCode(20_000)).toBe(0);
    await until(() => !alive(daemon.pid), 5000);
  });

  it("is found by info and stop from its folder with no flags, through ./pulsar.pid", async () => {
    using dir = tempDir();
    // TMPDIR here: without the ./pulsar.pid lookup they would try this folder's default socket, never another arbiter's.
    const env = { TMPDIR: dir.path, PULSAR_PID_FILE: undefined, PULSAR_CONTROL_SOCKET: undefined };
    await using daemon = daemonOf(join(dir.path, "pulsar.pid"));
    await using launcher = await Proc.binary(["run", "hello", "-D", "--bind", "127.0.0.1:0", ...quiet], {
      cwd: dir.path,
      env,
    });
    expect(await launcher.exitCode(70_000)).toBe(0);
    expect(alive(daemon.pid)).toBe(true);
    await using info = await Proc.binary(["info", "--json"], { cwd: dir.path, env });
    expect(await info.exitCode()).toBe(0);
    expect(JSON.parse(info.output).pid).toBe(daemon.pid);
    await using stop = await Proc.binary(["stop"], { cwd: dir.path, env });
    expect(await stop.exitCode(20_000)).toBe(0);
    expect(stop.output).toBe(`stopped arbiter (pid ${daemon.pid})\n`);
    await until(() => !alive(daemon.pid), 5000);
  });
});

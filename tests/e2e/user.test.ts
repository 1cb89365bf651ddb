/**
 * `--user` / `--group`: workers bind as root (ports below 1024 included), then switch to the
 * user before they serve, on every thread, also after a reload; the arbiter stays root. A
 * setting that cannot work (an unknown name, thread or inline workers, a non-root arbiter)
 * stops the start with exit code 2 before any worker exists.
 */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT } from "../../src/errors.ts";
import { ensureBinary, freePort, Proc, ROOT, tempDir, until } from "../helpers/proc.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

// Switching users needs root. We run as root here and in CI; elsewhere these tests are skipped,
// but not under CI, where a skip would hide that they never ran.
const root = process.getuid?.() === 0;
const needsRoot = !root && process.env.CI !== "true";
if (needsRoot) console.warn("tests/e2e/user.test.ts: not root, skipping the tests that switch users");

/** nobody's uid and primary gid, read from /etc/passwd here (not by the code under test). */
function nobody(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("nobody:"));
  const [, , uid, gid] = (line ?? "").split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** The real, effective, saved and filesystem ids of every thread of `pid`, and its groups. */
function idsOf(pid: number): { uids: string[]; gids: string[]; groups: string[] } {
  const field = (status: string, name: string) =>
    (new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
  const out = { uids: [] as string[], gids: [] as string[], groups: [] as string[] };
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
    out.uids.push(...field(status, "Uid"));
    out.gids.push(...field(status, "Gid"));
    out.groups.push(...field(status, "Groups"));
  }
  return out;
}

/** Every id of every thread of `pid` is nobody's. */
function expectNobody(pid: number): void {
  const { uid, gid } = nobody();
  const ids = idsOf(pid);
  expect(new Set(ids.uids)).toEqual(new Set([String(uid)]));
  expect(new Set(ids.gids)).toEqual(new Set([String(gid)]));
  expect(new Set(ids.groups)).toEqual(new Set([String(gid)])); // root's supplementary groups are gone
}

/** GET on fresh connections, so that the kernel may pick any worker's listener. */
async function expectServed(url: string): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const res = await fetch(url, { headers: { connection: "close" }, keepalive: false });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Hello");
  }
}

/** A free port below 1024 on loopback, which only root may bind. */
function privilegedPort(): number {
  for (let port = 900; port < 1000; port++) {
    try {
      Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
      return port;
    } catch {}
  }
  throw new Error("no free port in 900-999");
}

function run(dir: string, bind: string, ...args: string[]): Promise<Proc> {
  const pid = join(dir, "a.pid");
  return Proc.binary(["run", "hello", "--bind", bind, "--pid-file", pid, "--log-level", "info", ...args]);
}

describe.skipIf(needsRoot)("--user nobody, started as root", () => {
  it("switches every worker thread to nobody once bound, keeps the arbiter root, and serves, also after a HUP", async () => {
    using dir = tempDir();
    const port = freePort();
    await using arb = await run(dir.path, `127.0.0.1:${port}`, "--user", "nobody", "--workers", "2");
    await arb.waitFor(/arbiter ready/);
    const old = await arb.waitChildren(2);
    for (const pid of old) expectNobody(pid);
    expect(new Set(idsOf(arb.pid).uids)).toEqual(new Set(["0"]));
    await expectServed(`http://127.0.0.1:${port}/`);

    // The arbiter kept root: the replacements bind the port again, then switch too.
    arb.signal("SIGHUP");
    const fresh = await until(
      () => {
        const now = arb.children();
        return now.length === 2 && now.every((p) => !old.includes(p)) ? now : null;
      },
      20_000,
      "two new workers after the HUP",
    );
    // A replacement switches before it says ready, and the old workers leave only after that.
    for (const pid of fresh) expectNobody(pid);
    await expectServed(`http://127.0.0.1:${port}/`);
    expect(new Set(idsOf(arb.pid).uids)).toEqual(new Set(["0"]));
  });

  it("binds a privileged port as root, then serves on it as nobody", async () => {
    using dir = tempDir();
    const port = privilegedPort();
    await using arb = await run(dir.path, `127.0.0.1:${port}`, "-u", "nobody");
    await arb.waitFor(/arbiter ready/);
    expect(arb.output).toContain(`hello listening on http://127.0.0.1:${port}`);
    const [worker] = await arb.waitChildren(1);
    expectNobody(worker as number);
    await expectServed(`http://127.0.0.1:${port}/`);
  });

  it("takes --group alone: the workers keep their user and switch group", async () => {
    using dir = tempDir();
    const port = freePort();
    await using arb = await run(dir.path, `127.0.0.1:${port}`, "--group", "nogroup");
    await arb.waitFor(/arbiter ready/);
    const [worker] = await arb.waitChildren(1);
    const ids = idsOf(worker as number);
    const nogroup = /^nogroup:[^:]*:(\d+):/m.exec(readFileSync("/etc/group", "utf8"))?.[1] ?? "nogroup missing";
    expect(new Set(ids.uids)).toEqual(new Set(["0"]));
    expect(new Set(ids.gids)).toEqual(new Set([nogroup]));
    expect(new Set(ids.groups)).toEqual(new Set([nogroup]));
    await expectServed(`http://127.0.0.1:${port}/`);
  });

  it("exits 2 when an arbiter that is not root asks for another user", async () => {
    const { uid, gid } = nobody();
    const env = { ...process.env, PULSAR_ACTOR: undefined };
    const run = spawnSync(await ensureBinary(), ["run", "hello", "--user", "root", "--bind", "127.0.0.1:0"], {
      cwd: ROOT,
      uid,
      gid,
      env,
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(run.status).toBe(EXIT.CONFIG);
    expect(run.stderr + run.stdout).toContain(
      `pulsar: --user root: switching users needs root, and this arbiter runs as uid ${uid}`,
    );
  });
});

describe("--user settings that cannot work", () => {
  it("exits 2 naming an unknown user, before any worker starts", async () => {
    using dir = tempDir();
    await using arb = await run(dir.path, "127.0.0.1:0", "--user", "no-such-user-here");
    expect(await arb.exitCode()).toBe(EXIT.CONFIG);
    expect(arb.output).toContain('pulsar: unknown user "no-such-user-here" (--user): not in the user database');
    expect(arb.output).not.toContain("listening on");
  });

  it("exits 2 naming an unknown group", async () => {
    using dir = tempDir();
    await using arb = await run(dir.path, "127.0.0.1:0", "-g", "no-such-group-here");
    expect(await arb.exitCode()).toBe(EXIT.CONFIG);
    expect(arb.output).toContain('pulsar: unknown group "no-such-group-here" (--group): not in the group database');
  });

  it("exits 2 with thread workers, which share the arbiter's process", async () => {
    using dir = tempDir();
    await using arb = await run(dir.path, "127.0.0.1:0", "--concurrency", "thread", "--user", "nobody");
    expect(await arb.exitCode()).toBe(EXIT.CONFIG);
    expect(arb.output).toContain(
      'pulsar: --user nobody switches worker processes only, and app "hello" runs with --concurrency thread',
    );
    expect(arb.output).not.toContain("listening on");
  });

  it("exits 2 with inline workers (--workers 0)", async () => {
    using dir = tempDir();
    await using arb = await run(dir.path, "127.0.0.1:0", "--workers", "0", "--user", "nobody");
    expect(await arb.exitCode()).toBe(EXIT.CONFIG);
    expect(arb.output).toContain('app "hello" runs with --concurrency inline');
  });
});

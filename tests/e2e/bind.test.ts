/**
 * A taken address is a boot error, whoever holds it: a second pulsar (HTTP, proxy, TCP, UDP)
 * on the port of a running one exits 3 with EADDRINUSE instead of taking a share of its
 * connections through SO_REUSEPORT, and the first serves on alone. An instance's own workers
 * still share their port, through reloads, scaling and crashes.
 */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { EchoClient, EchoUdpClient } from "../../apps/echo/client.ts";
import { EXIT } from "../../src/errors.ts";
import { FIXTURES, freePort, Proc, tempDir, until } from "../helpers/proc.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

/** `pulsar run <app…>` on `bind`, with a pid file (and control socket) of its own in `dir`. */
function run(dir: string, name: string, apps: string[], bind: string, ...args: string[]): Promise<Proc> {
  const pid = join(dir, `${name}.pid`);
  return Proc.binary(["run", ...apps, "--bind", bind, "--pid-file", pid, "--log-level", "info", ...args]);
}

/** Wait until `proc` is up: its `arbiter ready` line. */
async function ready(proc: Proc): Promise<Proc> {
  await proc.waitFor(/arbiter ready/);
  return proc;
}

/** The second instance: exits with the boot error code, saying which address is taken, and never listens. */
async function expectRefused(second: Proc, app: string, where: string): Promise<void> {
  expect(await second.exitCode(10_000)).toBe(EXIT.BOOT_ERROR);
  expect(second.output).toContain(
    `${app} cannot bind ${where}: the address is already in use (EADDRINUSE); stopping (exit code 3)`,
  );
  expect(second.output).not.toContain("listening on");
}

/** GET on a fresh connection each time, so that the kernel may pick any listener of the port. */
const fresh = (url: string) => fetch(url, { headers: { connection: "close" }, keepalive: false });

describe("a second instance on a taken address", () => {
  it("exits 3 with EADDRINUSE when another pulsar serves the port, which keeps every request", async () => {
    using dir = tempDir();
    const port = freePort();
    await using first = await ready(await run(dir.path, "first", ["httpbin"], `127.0.0.1:${port}`, "--workers", "2"));
    await using second = await run(dir.path, "second", ["hello"], `127.0.0.1:${port}`, "--workers", "2");
    await expectRefused(second, "hello", `127.0.0.1:${port} (tcp)`);
    for (let i = 0; i < 20; i++) {
      const res = await fresh(`http://127.0.0.1:${port}/get`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { url: string }).url).toBe(`http://127.0.0.1:${port}/get`);
    }
    expect(first.proc.exitCode).toBeNull();
  });

  it("fails the same way when the port belongs to a program that is not pulsar", async () => {
    using dir = tempDir();
    const other = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      await using second = await run(dir.path, "second", ["hello"], `127.0.0.1:${other.port}`);
      await expectRefused(second, "hello", `127.0.0.1:${other.port} (tcp)`);
    } finally {
      other.stop(true);
    }
  });

  it("refuses a second proxy, and the first proxies every request", async () => {
    using dir = tempDir();
    // It answers the Via header that the proxy adds: proof that the request went through it.
    const origin = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => new Response(req.headers.get("via")) });
    try {
      const port = freePort();
      await using _first = await ready(await run(dir.path, "first", ["proxy"], `127.0.0.1:${port}`, "--workers", "2"));
      await using second = await run(dir.path, "second", ["proxy"], `127.0.0.1:${port}`);
      await expectRefused(second, "proxy", `127.0.0.1:${port} (tcp)`);
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`http://127.0.0.1:${origin.port}/`, {
          proxy: `http://127.0.0.1:${port}`,
          keepalive: false,
        });
        expect(await res.text()).toStartWith("1.1 pulsar-");
      }
    } finally {
      origin.stop(true);
    }
  });

  it("refuses a second TCP echo server, and the first echoes on", async () => {
    using dir = tempDir();
    const port = freePort();
    await using _first = await ready(await run(dir.path, "first", ["echo"], `127.0.0.1:${port}`, "--workers", "2"));
    await using second = await run(dir.path, "second", ["echo"], `127.0.0.1:${port}`);
    await expectRefused(second, "echo", `127.0.0.1:${port} (tcp)`);
    const client = new EchoClient(`127.0.0.1:${port}`);
    try {
      expect((await client.send("still mine")).toString()).toBe("still mine");
    } finally {
      await client.close();
    }
  });

  it("refuses a second UDP echo server, and the first echoes on", async () => {
    using dir = tempDir();
    const port = freePort();
    await using _first = await ready(await run(dir.path, "first", ["echoudp"], `127.0.0.1:${port}`, "--workers", "2"));
    await using second = await run(dir.path, "second", ["echoudp"], `127.0.0.1:${port}`);
    await expectRefused(second, "echoudp", `127.0.0.1:${port} (udp)`);
    const client = new EchoUdpClient(`127.0.0.1:${port}`);
    try {
      expect((await client.send("still mine")).toString()).toBe("still mine");
    } finally {
      client.close();
    }
  });

  it("refuses two apps of one arbiter on the same address", async () => {
    using dir = tempDir();
    const port = freePort();
    await using both = await run(dir.path, "both", ["hello", "httpbin"], `127.0.0.1:${port}`);
    await expectRefused(both, "httpbin", `127.0.0.1:${port} (tcp)`);
  });
});

describe("an instance's own workers on a given port", () => {
  it("share it through a HUP, a TTIN and a crash, and a newcomer is still refused", async () => {
    using dir = tempDir();
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    await using arb = await ready(
      await Proc.binary([
        "serve",
        join(FIXTURES, "http/app.ts"),
        "--bind",
        `127.0.0.1:${port}`,
        "--workers",
        "2",
        "--pid-file",
        join(dir.path, "a.pid"),
        "--log-level",
        "info",
      ]),
    );
    /** Wait until the workers that answer fresh connections are exactly the arbiter's children. */
    const allServe = (n: number) =>
      until(
        async () => {
          const kids = arb.children();
          if (kids.length !== n) return null;
          const seen = new Set<number>();
          for (let i = 0; i < 20 * n && seen.size < n; i++) seen.add(Number(await (await fresh(`${url}/pid`)).text()));
          return [...seen].sort((a, b) => a - b).join() === kids.join() ? kids : null;
        },
        20_000,
        `${n} workers serving ${url}`,
      );
    const before = await allServe(2);
    arb.signal("SIGHUP");
    const reloaded = await until(() => {
      const kids = arb.children();
      return kids.length === 2 && !kids.some((k) => before.includes(k)) ? kids : null;
    });
    expect(await allServe(2)).toEqual(reloaded);
    arb.signal("SIGTTIN");
    const three = await allServe(3);
    process.kill(three[0] as number, "SIGKILL");
    await arb.waitFor(/died \(signal SIGKILL\); replacing it/);
    const replaced = await allServe(3);
    expect(replaced).not.toContain(three[0]);
    await using newcomer = await run(dir.path, "newcomer", ["hello"], `127.0.0.1:${port}`);
    await expectRefused(newcomer, "hello", `127.0.0.1:${port} (tcp)`);
    expect(arb.proc.exitCode).toBeNull();
  });
});

/**
 * HTTP serving through the compiled binary: hello in every concurrency mode,
 * several workers really serving, `:0`, several binds, TLS, the body limit,
 * and a graceful stop that completes the request in flight.
 */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { controlRequest } from "../../src/actor/control.ts";
import { alive, FIXTURES, freePort, Proc, tempDir, until } from "../helpers/proc.ts";
import { selfSigned } from "../helpers/tls.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

const APP = join(FIXTURES, "http/app.ts");

/** `pulsar serve` of the pid-reporting fixture, with a control socket of its own and the `listening on` line. */
function serveFixture(dir: string, args: string[]): Promise<Proc> {
  return Proc.binary(["serve", APP, ...args, "--pid-file", join(dir, "a.pid"), "--log-level", "info"]);
}

/** GET on a fresh connection each time, so that the kernel may pick another worker. */
const fresh = (url: string) => fetch(url, { headers: { connection: "close" }, keepalive: false });

/** The worker pids that answer `/pid` within `tries` fresh connections (stops early at `want`). */
/**
 * The worker pids that answer fresh connections, until `want` were seen or `ms` passed. Not a
 * count of tries: the first worker listens before its siblings, which may take a while to boot
 * on a loaded machine, and only time tells them apart from a worker that never serves.
 */
async function pidsSeen(url: string, want: number, ms = 10_000): Promise<Set<number>> {
  const seen = new Set<number>();
  const deadline = Date.now() + ms;
  while (seen.size < want && Date.now() < deadline) seen.add(Number(await (await fresh(`${url}/pid`)).text()));
  return seen;
}

type InfoTree = { monitors: { concurrency: string; workers: { state: string }[] }[] };

describe("hello world from the binary", () => {
  for (const [concurrency, workers, processes] of [
    ["process", "2", 2],
    ["thread", "2", 0],
    ["inline", "0", 0],
  ] as const) {
    it(`answers GET / with Hello World! as text/plain and POST with 405 (concurrency ${concurrency})`, async () => {
      using dir = tempDir();
      await using arb = await Proc.binary(
        [
          "run",
          "hello",
          "--bind",
          "127.0.0.1:0",
          "--workers",
          workers,
          "--concurrency",
          concurrency,
          "--pid-file",
          "a.pid",
          "--log-level",
          "info",
        ],
        { cwd: dir.path },
      );
      const url = await arb.url();
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/plain");
      expect(res.headers.get("content-length")).toBe("13");
      expect(await res.text()).toBe("Hello World!\n");
      const post = await fetch(url, { method: "POST", body: "x" });
      expect(post.status).toBe(405);
      expect(post.headers.get("allow")).toBe("GET, HEAD");
      await post.text();
      if (processes) await arb.waitChildren(processes);
      else expect(arb.children()).toEqual([]);
      // info lists the pool the mode runs: two workers, or the arbiter itself serving inline.
      const states = concurrency === "inline" ? ["running"] : ["running", "running"];
      const monitor = await until(
        async () => {
          const tree = (await controlRequest(join(dir.path, "a.sock"), "info").catch(() => null)) as InfoTree | null;
          const m = tree?.monitors[0];
          return m && m.workers.map((w) => w.state).join() === states.join() ? m : null;
        },
        10_000,
        `${states.length} running workers in info`,
      );
      expect(monitor.concurrency).toBe(concurrency);
    });
  }
});

describe("workers", () => {
  it("spreads fresh connections over both worker processes, which are the arbiter's children", async () => {
    using dir = tempDir();
    await using arb = await serveFixture(dir.path, ["--bind", "127.0.0.1:0", "--workers", "2"]);
    const url = await arb.url();
    const kids = await arb.waitChildren(2);
    const seen = await pidsSeen(url, 2);
    expect([...seen].sort((a, b) => a - b)).toEqual(kids);
    expect(seen.has(arb.pid)).toBe(false);
  });

  it("shares the port picked by :0 with all three workers, and logs it once", async () => {
    using dir = tempDir();
    await using arb = await serveFixture(dir.path, ["--bind", "127.0.0.1:0", "--workers", "3"]);
    const url = await arb.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toEndWith(":0");
    const kids = await arb.waitChildren(3);
    const seen = await pidsSeen(url, 3);
    expect([...seen].sort((a, b) => a - b)).toEqual(kids);
    expect(arb.output.match(/listening on/g)?.length).toBe(1);
  });

  it("starts workers with the allocator's purge delay, unless the user's environment sets one", async () => {
    const purgeDelay = (pid: number) =>
      readFileSync(`/proc/${pid}/environ`, "utf8")
        .split("\0")
        .find((kv) => kv.startsWith("MIMALLOC_PURGE_DELAY="));
    using dir = tempDir();
    {
      await using arb = await serveFixture(dir.path, ["--bind", "127.0.0.1:0"]);
      const [kid] = await arb.waitChildren(1);
      expect(purgeDelay(kid as number)).toBe("MIMALLOC_PURGE_DELAY=1000");
    }
    await using arb = await Proc.binary(
      ["serve", APP, "--bind", "127.0.0.1:0", "--pid-file", join(dir.path, "b.pid")],
      {
        env: { MIMALLOC_PURGE_DELAY: "25" },
      },
    );
    const [kid] = await arb.waitChildren(1);
    expect(purgeDelay(kid as number)).toBe("MIMALLOC_PURGE_DELAY=25");
  });

  for (const [what, bind] of [
    ["two :0 entries", () => "127.0.0.1:0,127.0.0.2:0"],
    ["two given ports", () => `127.0.0.1:${freePort()},127.0.0.1:${freePort()}`],
  ] as const) {
    it(`serves from every worker on each address of bind (${what})`, async () => {
      using dir = tempDir();
      await using arb = await serveFixture(dir.path, ["--bind", bind(), "--workers", "2"]);
      await arb.url();
      const kids = await arb.waitChildren(2);
      const urls = await until(() => {
        const found = [...arb.output.matchAll(/listening on (http:\/\/[^\s]+)/g)].map((m) => m[1] as string);
        return found.length === 2 ? found : null;
      });
      expect(new Set(urls).size).toBe(2);
      for (const url of urls) {
        expect(url).not.toEndWith(":0");
        const seen = await pidsSeen(url, 2);
        expect([...seen].sort((a, b) => a - b)).toEqual(kids);
      }
    });
  }
});

describe("TLS", () => {
  it("serves https with cert_file and key_file, to fetch and to curl", async () => {
    using dir = tempDir();
    const { keyFile: key, certFile: cert } = selfSigned(dir.path);
    await using arb = await Proc.binary([
      "run",
      "hello",
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "2",
      "--cert-file",
      cert,
      "--key-file",
      key,
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    const url = await arb.url();
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/`, { tls: { rejectUnauthorized: false } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Hello World!\n");
    const curl = Bun.spawnSync(["curl", "-sk", "--max-time", "10", `${url}/`]);
    expect(curl.exitCode).toBe(0);
    expect(curl.stdout.toString()).toBe("Hello World!\n");
    // Plain http on the TLS port is not served.
    const plain = Bun.spawnSync(["curl", "-s", "--max-time", "10", url.replace("https:", "http:")]);
    expect(plain.stdout.toString()).not.toBe("Hello World!\n");
  });

  it("refuses a missing certificate with exit code 2 and a line naming it", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "k.pem"), "");
    const missing = join(dir.path, "nope.pem");
    await using arb = await Proc.binary([
      "run",
      "hello",
      "--bind",
      "127.0.0.1:0",
      "--cert-file",
      missing,
      "--key-file",
      join(dir.path, "k.pem"),
      "--pid-file",
      join(dir.path, "a.pid"),
    ]);
    expect(await arb.exitCode()).toBe(2);
    expect(arb.output.trim()).toBe(`pulsar: cert_file ${missing} does not exist`);
  });
});

describe("request bodies", () => {
  it("answers 413 over stream_buffer, serves smaller bodies, and the worker lives on", async () => {
    using dir = tempDir();
    await using arb = await serveFixture(dir.path, [
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "1",
      "--stream-buffer",
      "1024",
    ]);
    const url = await arb.url();
    const [kid] = await arb.waitChildren(1);
    const big = await fetch(`${url}/echo`, { method: "POST", body: "x".repeat(2048) });
    expect(big.status).toBe(413);
    await big.arrayBuffer();
    const small = await fetch(`${url}/echo`, { method: "POST", body: "y".repeat(512) });
    expect(small.status).toBe(200);
    expect(await small.text()).toBe("y".repeat(512));
    expect(await (await fresh(`${url}/pid`)).text()).toBe(String(kid));
    expect(arb.children()).toEqual([kid as number]);
  });
});

describe("graceful stop", () => {
  it("completes a slow response in flight on TERM, then exits 0 with no worker left", async () => {
    using dir = tempDir();
    await using arb = await serveFixture(dir.path, ["--bind", "127.0.0.1:0", "--workers", "2"]);
    const url = await arb.url();
    const kids = await arb.waitChildren(2);
    const slow = fetch(`${url}/slow?ms=1500`);
    await arb.waitFor(/slow request started in \d+/);
    arb.signal("SIGTERM");
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^slow done \d+$/);
    expect(await arb.exitCode()).toBe(0);
    for (const k of kids) await until(() => !alive(k), 5000, `worker ${k} to exit`);
  });
});

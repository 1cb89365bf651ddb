/**
 * HTTP serving through the compiled binary: hello in every concurrency mode,
 * several workers really serving, `:0`, several binds, TLS, the body limit,
 * and a graceful stop that completes the request in flight.
 */
import { describe, expect, it } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive, FIXTURES, Proc, tempDir, until } from "../helpers/proc.ts";

const APP = join(FIXTURES, "http/app.ts");
const info = ["--log-level", "info"];

/** GET with a fresh connection each time, so that the kernel may pick another worker. */
const fresh = (url: string) => fetch(url, { headers: { connection: "close" }, keepalive: false });

async function pidsSeen(url: string, want: number, tries = 300): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < tries && seen.size < want; i++) seen.add(await (await fresh(`${url}/pid`)).text());
  return seen;
}

describe("hello world from the binary", () => {
  for (const [concurrency, workers] of [
    ["process", "2"],
    ["thread", "2"],
    ["inline", "0"],
  ] as const) {
    it(`answers GET / with Hello World! and POST with 405 (concurrency ${concurrency})`, async () => {
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
          join(dir.path, "a.pid"),
          ...info,
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
      expect(arb.children().length).toBe(concurrency === "process" ? 2 : 0);
    });
  }
});

describe("workers", () => {
  it("spreads fresh connections over several worker processes", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "serve",
      APP,
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "2",
      "--pid-file",
      join(dir.path, "a.pid"),
      ...info,
    ]);
    const url = await arb.url();
    const kids = (await arb.waitChildren(2)).map(String);
    const seen = await pidsSeen(url, 2);
    expect([...seen].sort()).toEqual(kids.sort());
  });

  it("shares the port picked by :0 with every worker, and logs it once", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "serve",
      APP,
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "3",
      "--pid-file",
      join(dir.path, "a.pid"),
      ...info,
    ]);
    const url = await arb.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toEndWith(":0");
    await arb.waitChildren(3);
    expect((await pidsSeen(url, 3, 600)).size).toBe(3);
    expect(arb.output.match(/listening on/g)?.length).toBe(1);
  });

  it("listens on every address of bind", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "serve",
      APP,
      "--bind",
      "127.0.0.1:0,127.0.0.2:0",
      "--workers",
      "2",
      "--pid-file",
      join(dir.path, "a.pid"),
      ...info,
    ]);
    await arb.waitFor(/listening on http:\/\/127\.0\.0\.2:\d+/);
    const urls = [...arb.output.matchAll(/listening on (http:\/\/[^\s]+)/g)].map((m) => m[1] as string);
    expect(urls.length).toBe(2);
    for (const url of urls) expect((await fetch(`${url}/pid`)).status).toBe(200);
  });
});

describe("TLS", () => {
  it("serves https with cert_file and key_file", async () => {
    using dir = tempDir();
    const [key, cert] = [join(dir.path, "k.pem"), join(dir.path, "c.pem")];
    const ssl = Bun.spawnSync([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ]);
    expect(ssl.exitCode).toBe(0);
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
      ...info,
    ]);
    const url = await arb.url();
    expect(url).toStartWith("https://");
    const res = await fetch(url, { tls: { rejectUnauthorized: false } });
    expect(await res.text()).toBe("Hello World!\n");
    const curl = Bun.spawnSync(["curl", "-sk", url]);
    expect(curl.stdout.toString()).toBe("Hello World!\n");
  });

  it("refuses a missing certificate with exit code 2 and a clear line", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "k.pem"), "");
    await using arb = await Proc.binary([
      "run",
      "hello",
      "--cert-file",
      join(dir.path, "nope.pem"),
      "--key-file",
      join(dir.path, "k.pem"),
      "--pid-file",
      join(dir.path, "a.pid"),
    ]);
    expect(await arb.exitCode()).toBe(2);
    expect(arb.output).toContain("cert_file");
    expect(arb.output).toContain("does not exist");
  });
});

describe("request bodies", () => {
  it("answers 413 over stream_buffer, serves smaller bodies, and the worker lives on", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "serve",
      APP,
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "1",
      "--stream-buffer",
      "1024",
      "--pid-file",
      join(dir.path, "a.pid"),
      ...info,
    ]);
    const url = await arb.url();
    const [kid] = await arb.waitChildren(1);
    const big = await fetch(`${url}/echo`, { method: "POST", body: "x".repeat(2048) });
    expect(big.status).toBe(413);
    const small = await fetch(`${url}/echo`, { method: "POST", body: "y".repeat(512) });
    expect(small.status).toBe(200);
    expect(await small.text()).toBe("y".repeat(512));
    expect(await (await fetch(`${url}/pid`)).text()).toBe(String(kid));
  });
});

describe("graceful stop", () => {
  it("completes a slow response in flight on TERM, then exits 0 with no worker left", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "serve",
      APP,
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "2",
      "--pid-file",
      join(dir.path, "a.pid"),
      ...info,
    ]);
    const url = await arb.url();
    const kids = await arb.waitChildren(2);
    const slow = fetch(`${url}/slow?ms=1500`);
    await Bun.sleep(300);
    arb.signal("SIGTERM");
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.text()).toStartWith("slow done");
    expect(await arb.exitCode()).toBe(0);
    for (const k of kids) await until(() => !alive(k), 3000);
  });
});

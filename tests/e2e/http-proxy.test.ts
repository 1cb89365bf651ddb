/**
 * `--http-proxy` from the binary: a served script's HttpClient and Bun's own fetch reach an
 * origin through `pulsar run proxy` (the origin sees the proxy's Via) in process, thread and
 * inline workers alike; the user's NO_PROXY still wins, and a bad URL exits 2 with one line.
 */
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Proc, tempDir } from "../helpers/proc.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

/** Fetches `?url=` with HttpClient and with fetch, and answers what the origin said to each. */
const APP = `
import { HttpClient } from "pulsar";
const http = new HttpClient();
export default async (req) => {
  const target = new URL(req.url).searchParams.get("url");
  const client = await (await http.get(target)).text();
  const plain = await (await fetch(target)).text();
  return Response.json({ client, fetch: plain });
};
`;

/** The test's own proxy settings must not leak into the binary: only --http-proxy may set them. */
const NO_ENV_PROXY = Object.fromEntries(
  ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"].flatMap((k) => [
    [k, undefined],
    [k.toLowerCase(), undefined],
  ]),
);

/** Answers with the Via header it was sent, or "direct". */
const origin = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (req) => new Response(req.headers.get("via") ?? "direct"),
});
const target = `http://127.0.0.1:${origin.port}/`;
const proxyDir = tempDir();
let proxy: Proc;
let proxyUrl: string;

beforeAll(async () => {
  proxy = await Proc.run("proxy", proxyDir.path);
  proxyUrl = await proxy.url();
});
afterAll(async () => {
  await proxy?.[Symbol.asyncDispose]();
  origin.stop(true);
  proxyDir[Symbol.dispose]();
});

/** `pulsar serve app.ts` in a fresh folder on 127.0.0.1:0 with `args` and `env`. */
function serve(dir: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Proc> {
  writeFileSync(join(dir, "app.ts"), APP);
  const where = ["--bind", "127.0.0.1:0", "--pid-file", "a.pid", "--log-level", "info"];
  return Proc.binary(["serve", "app.ts", ...where, ...args], { cwd: dir, env: { ...NO_ENV_PROXY, ...env } });
}

/** What the origin told the served app's HttpClient and fetch. */
async function seen(arb: Proc): Promise<{ client: string; fetch: string }> {
  const res = await fetch(`${await arb.url()}/?url=${encodeURIComponent(target)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { client: string; fetch: string };
}

describe("--http-proxy", () => {
  for (const concurrency of ["process", "thread", "inline"]) {
    it(`sends HttpClient and fetch in ${concurrency} workers through the proxy`, async () => {
      using dir = tempDir();
      await using arb = await serve(dir.path, ["--concurrency", concurrency, "--http-proxy", proxyUrl]);
      const via = await seen(arb);
      expect(via.client).toMatch(/^1\.1 pulsar-/);
      expect(via.fetch).toMatch(/^1\.1 pulsar-/);
    });
  }

  it("goes direct without it, and for the hosts the user's NO_PROXY lists", async () => {
    using plain = tempDir();
    await using direct = await serve(plain.path, []);
    expect(await seen(direct)).toEqual({ client: "direct", fetch: "direct" });
    using excepted = tempDir();
    await using bypass = await serve(excepted.path, ["--http-proxy", proxyUrl], { NO_PROXY: "127.0.0.1" });
    expect(await seen(bypass)).toEqual({ client: "direct", fetch: "direct" });
  });

  it("exits 2 with one line for a value that is not an http:// or https:// URL, from a flag or the env", async () => {
    using dir = tempDir();
    await using flag = await serve(dir.path, ["--http-proxy", "127.0.0.1:3128"]);
    expect(await flag.exitCode()).toBe(2);
    expect(flag.output.trim()).toBe(
      'pulsar: invalid value "127.0.0.1:3128" for --http-proxy: http_proxy accepts empty (no proxy) or an http:// or https:// URL',
    );
    await using env = await serve(dir.path, [], { PULSAR_HTTP_PROXY: "socks5://127.0.0.1:1080" });
    expect(await env.exitCode()).toBe(2);
    expect(env.output.trim()).toBe(
      'pulsar: invalid value "socks5://127.0.0.1:1080" for PULSAR_HTTP_PROXY: http_proxy accepts empty (no proxy) or an http:// or https:// URL',
    );
  });
});

/**
 * `pulsar serve` from the binary, in an empty folder with no node_modules:
 * a Hono app with its imports resolved to the copies embedded in the binary,
 * and bad scripts that get one clear line and a named exit code, never a
 * respawn loop.
 */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { freePort, Proc, tempDir } from "../helpers/proc.ts";
import { rawRequest } from "../helpers/raw-http.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

/** A bad script must be refused quickly: a respawn loop would run until the test timed out. */
const REFUSED_WITHIN_MS = 10_000;

const HONO_APP = `
import { Hono } from "hono";
import { cors } from "hono/cors";
import { logger } from "hono/logger";
import { HTTPException } from "hono/http-exception";
import { VERSION } from "pulsar";

const app = new Hono();
app.use(logger());
app.use("/api/*", cors());
app.get("/hi/:name", (c) => c.json({ hi: c.req.param("name"), version: VERSION }));
app.get("/api/items/:id", (c) => c.json({ id: Number(c.req.param("id")), pid: process.pid }));
app.get("/teapot", () => { throw new HTTPException(418, { message: "short and stout" }); });
export default app;
`;

/** Write `source` as `name` in an empty folder and run `pulsar serve name …args` there. */
async function serveIn(dir: string, name: string, source: string, args: string[] = []): Promise<Proc> {
  writeFileSync(join(dir, name), source);
  return Proc.binary(["serve", name, ...args, "--pid-file", "a.pid"], { cwd: dir });
}

describe("pulsar serve", () => {
  it("serves a Hono app from a folder with no node_modules, with hono and pulsar embedded", async () => {
    using dir = tempDir();
    await using arb = await serveIn(dir.path, "app.ts", HONO_APP, [
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "2",
      "--log-level",
      "info",
    ]);
    // Nothing to resolve hono from, here or above: only the binary's embedded copies.
    for (const d of [dir.path, dirname(dir.path)]) expect(existsSync(join(d, "node_modules"))).toBe(false);
    const url = await arb.url();
    await arb.waitChildren(2);
    const hi = await fetch(`${url}/hi/ada`);
    expect(hi.headers.get("content-type")).toStartWith("application/json");
    expect(await hi.json()).toEqual({ hi: "ada", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const item = await fetch(`${url}/api/items/7`, { headers: { origin: "http://example.com" } });
    expect(item.headers.get("access-control-allow-origin")).toBe("*");
    const body = (await item.json()) as { id: number; pid: number };
    expect(body.id).toBe(7);
    expect(arb.children()).toContain(body.pid);
    const teapot = await fetch(`${url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(await teapot.text()).toBe("short and stout");
    // Without Host (HTTP/1.0) Bun's URL is only the path: the app gets it at the bound address.
    const hostless = await rawRequest(Number(new URL(url).port), "GET /hi/bob HTTP/1.0\r\n\r\n");
    expect([hostless.status, JSON.parse(hostless.body).hi]).toEqual([200, "bob"]);
    // hono/logger writes each request to the worker's stdout, which the arbiter passes on.
    await arb.waitFor(/--> GET \/hi\/ada \S*200/);
  });

  it("exits 2 with one line when the script does not exist", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary(["serve", "missing.ts", "--pid-file", "a.pid"], { cwd: dir.path });
    expect(await arb.exitCode(REFUSED_WITHIN_MS)).toBe(2);
    expect(arb.output.trim()).toBe("pulsar: script missing.ts does not exist");
  });

  it("exits 4 with one line naming the file when the script has a syntax error", async () => {
    using dir = tempDir();
    await using arb = await serveIn(
      dir.path,
      "typo.ts",
      'export default (req: Request) => {\n  return new Response("x"\n};\n',
      ["--workers", "2"],
    );
    expect(await arb.exitCode(REFUSED_WITHIN_MS)).toBe(4);
    const lines = arb.output.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toStartWith("pulsar: cannot load typo.ts: ");
  });

  it("exits 4 with one line naming the file when an import of the script is missing", async () => {
    using dir = tempDir();
    await using arb = await serveIn(
      dir.path,
      "broken.ts",
      "import { nothing } from './nowhere.ts';\nexport default nothing;\n",
      ["--workers", "2"],
    );
    expect(await arb.exitCode(REFUSED_WITHIN_MS)).toBe(4);
    const lines = arb.output.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toStartWith("pulsar: cannot load broken.ts: ");
    expect(lines[0]).toContain("nowhere.ts");
  });

  it("exits 4 with one line carrying the error when the script throws while loading", async () => {
    using dir = tempDir();
    await using arb = await serveIn(dir.path, "throws.ts", "throw new Error('no config here');\n");
    expect(await arb.exitCode(REFUSED_WITHIN_MS)).toBe(4);
    expect(arb.output.trim()).toBe("pulsar: cannot load throws.ts: no config here");
  });

  it("exits 4 rather than respawning when the script throws only in the workers", async () => {
    using dir = tempDir();
    const source =
      'if (process.env.PULSAR_ACTOR) throw new Error("only in the worker");\nexport default () => new Response("ok");\n';
    await using arb = await serveIn(dir.path, "picky.ts", source, [
      "--bind",
      `127.0.0.1:${freePort()}`,
      "--workers",
      "2",
    ]);
    expect(await arb.exitCode(REFUSED_WITHIN_MS)).toBe(4);
    const failures = arb.output.match(/pulsar: cannot load picky\.ts: only in the worker/g) ?? [];
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.length).toBeLessThanOrEqual(2); // the two first workers, and no replacement
    expect(arb.output).toMatch(/failed to boot.*exit code 4/);
  });

  it("exits 4 saying what is expected when the default export is not servable", async () => {
    using dir = tempDir();
    await using arb = await serveIn(dir.path, "answer.ts", "export default 42;\n");
    expect(await arb.exitCode(REFUSED_WITHIN_MS)).toBe(4);
    expect(arb.output.trim()).toBe(
      "pulsar: the default export of answer.ts is not servable: expected a Hono app, a fetch(request) function or { fetch, websocket }",
    );
  });

  it("exits 4 when the script has no default export", async () => {
    using dir = tempDir();
    await using arb = await serveIn(dir.path, "named.ts", 'export const app = () => new Response("ok");\n');
    expect(await arb.exitCode(REFUSED_WITHIN_MS)).toBe(4);
    expect(arb.output.trim()).toStartWith("pulsar: the default export of named.ts is not servable: expected");
  });
});

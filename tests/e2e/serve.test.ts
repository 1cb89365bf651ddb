/**
 * `pulsar serve` from the binary, in an empty folder with no node_modules:
 * a Hono app with its imports resolved to the copies embedded in the binary,
 * and bad scripts that get one clear line and a named exit code.
 */
import { describe, expect, it } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Proc, ROOT, tempDir } from "../helpers/proc.ts";

const HONO_APP = `
import { Hono } from "hono";
import { cors } from "hono/cors";
import { logger } from "hono/logger";
import { HTTPException } from "hono/http-exception";
import { VERSION } from "pulsar";

const app = new Hono();
app.use("/api/*", cors());
app.get("/hi/:name", (c) => c.json({ hi: c.req.param("name"), version: VERSION }));
app.get("/api/items/:id", (c) => c.json({ id: Number(c.req.param("id")), pid: process.pid }));
app.get("/teapot", () => { throw new HTTPException(418, { message: "short and stout" }); });
export default app;
`;

describe("pulsar serve", () => {
  it("serves a Hono app from a folder with no node_modules, with hono and pulsar embedded", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "app.ts"), HONO_APP);
    expect(existsSync(join(dir.path, "node_modules"))).toBe(false);
    await using arb = await Proc.binary(
      ["serve", "app.ts", "--bind", "127.0.0.1:0", "--workers", "2", "--pid-file", "a.pid", "--log-level", "info"],
      { cwd: dir.path },
    );
    const url = await arb.url();
    await arb.waitChildren(2);
    expect(await (await fetch(`${url}/hi/ada`)).json()).toEqual({ hi: "ada", version: expect.any(String) });
    const item = await fetch(`${url}/api/items/7`, { headers: { origin: "http://example.com" } });
    expect(item.headers.get("access-control-allow-origin")).toBe("*");
    expect(((await item.json()) as { id: number }).id).toBe(7);
    const teapot = await fetch(`${url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(await teapot.text()).toBe("short and stout");
  });

  it("serves the hono-routes example with its middleware and websocket route", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "serve",
      join(ROOT, "examples/hono-routes.ts"),
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "2",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    const url = await arb.url();
    expect(await (await fetch(`${url}/hello/bob`)).text()).toBe("Hello bob!\n");
    const json = await fetch(`${url}/json`);
    expect(json.headers.get("x-served-by")).toMatch(/^\d+$/);
    expect(((await json.json()) as { pid: number }).pid).toBe(Number(json.headers.get("x-served-by")));
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    const reply = new Promise<string>((resolve, reject) => {
      ws.onmessage = (e) => resolve(String(e.data));
      ws.onerror = () => reject(new Error("websocket error"));
    });
    ws.onopen = () => ws.send("ping");
    expect(await reply).toBe("echo: ping");
    ws.close();
  });

  it("exits 2 when the script does not exist", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary(["serve", "missing.ts", "--pid-file", "a.pid"], { cwd: dir.path });
    expect(await arb.exitCode()).toBe(2);
    expect(arb.output.trim()).toBe("pulsar: script missing.ts does not exist");
  });

  it("exits 4 with one line naming the file when the script fails to import, spawning no worker", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "broken.ts"), "import { nothing } from './nowhere.ts';\nexport default nothing;\n");
    await using arb = await Proc.binary(["serve", "broken.ts", "--workers", "2", "--pid-file", "a.pid"], {
      cwd: dir.path,
    });
    expect(await arb.exitCode()).toBe(4);
    const lines = arb.output.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toStartWith("pulsar: cannot load broken.ts:");
  });

  it("exits 4 with one line when the script throws while loading", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "throws.ts"), "throw new Error('no config here');\n");
    await using arb = await Proc.binary(["serve", "throws.ts", "--pid-file", "a.pid"], { cwd: dir.path });
    expect(await arb.exitCode()).toBe(4);
    expect(arb.output.trim()).toBe("pulsar: cannot load throws.ts: no config here");
  });

  it("exits 4 saying what is expected when the default export is not servable", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "answer.ts"), "export default 42;\n");
    await using arb = await Proc.binary(["serve", "answer.ts", "--pid-file", "a.pid"], { cwd: dir.path });
    expect(await arb.exitCode()).toBe(4);
    expect(arb.output.trim()).toBe(
      "pulsar: the default export of answer.ts is not servable: expected a Hono app, a fetch(request) function or { fetch, websocket }",
    );
  });
});

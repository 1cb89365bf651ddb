/**
 * Rolling reloads with no failed request: HUP under wrk load, and `--reload`
 * picking up a changed script while a client keeps asking.
 */
import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Proc, tempDir, until } from "../helpers/proc.ts";

// The preload's default timeout reaches only the first test file of a run (Bun 1.4.4).
setDefaultTimeout(60_000);

describe("rolling reload", () => {
  it("loses no request under load across three HUPs", async () => {
    using dir = tempDir();
    await using arb = await twoWorkers(dir.path, "hello");
    await hupsUnderLoad(arb, [`${await arb.url()}/`]);
  });

  it("the proxy loses no request under load across three HUPs, keep-alive clients included", async () => {
    using dir = tempDir();
    const origin = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hello\n") });
    try {
      await using arb = await twoWorkers(dir.path, "proxy");
      const lua = join(dir.path, "absolute.lua");
      writeFileSync(lua, `request = function() return wrk.format("GET", "http://127.0.0.1:${origin.port}/") end\n`);
      await hupsUnderLoad(arb, ["-s", lua, `${await arb.url()}/`]);
    } finally {
      origin.stop(true);
    }
  });

  it("closes websockets with 1001 on a reload, and their clients reconnect to the new worker", async () => {
    using dir = tempDir();
    await using arb = await Proc.binary([
      "run",
      "chat",
      "--bind",
      "127.0.0.1:0",
      "--workers",
      "1",
      "--pid-file",
      join(dir.path, "a.pid"),
    ]);
    const url = `${(await arb.url()).replace("http", "ws")}/message`;
    const [old] = await arb.waitChildren(1);
    const ws = new WebSocket(url);
    await new Promise((resolve) => (ws.onopen = resolve));
    const closed = new Promise<CloseEvent>((resolve) => (ws.onclose = resolve));
    arb.signal("SIGHUP");
    const ev = await closed;
    expect([ev.code, ev.reason]).toEqual([1001, "server restarting"]); // not 1006: a close frame, sent at once
    // Reconnecting reaches the new worker, which serves the chat.
    await until(() => arb.children().length === 1 && arb.children()[0] !== old, 10_000, "the new worker");
    const again = new WebSocket(url);
    const got = new Promise<string>((resolve) => (again.onmessage = (e) => resolve(String(e.data))));
    await new Promise((resolve) => (again.onopen = resolve));
    again.send("back again");
    expect(JSON.parse(await got).message).toBe("back again");
    again.close();
  });

  it("rolls the workers when the served script changes with --reload, with no failed request", async () => {
    using dir = tempDir();
    const script = join(dir.path, "app.ts");
    writeFileSync(script, 'export default () => new Response("v1");\n');
    await using arb = await Proc.binary(
      [
        "serve",
        "app.ts",
        "--reload",
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "2",
        "--pid-file",
        "a.pid",
        "--log-level",
        "info",
      ],
      { cwd: dir.path },
    );
    const url = await arb.url();
    await arb.waitFor(/watching/);
    const before = await arb.waitChildren(2);
    expect(await (await fetch(url)).text()).toBe("v1");
    const failures: string[] = [];
    let answered = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          const res = await fetch(url);
          if (res.status !== 200) failures.push(`status ${res.status}`);
          await res.text();
          answered++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    writeFileSync(script, 'export default () => new Response("v2");\n');
    // Keep polling through the whole roll: until the new text is served and no old worker is left.
    await until(async () => (await (await fetch(url)).text()) === "v2", 15_000, "the new version");
    await until(() => replaced(arb, before), 15_000, "both workers replaced");
    polling = false;
    await poller;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(arb.output).toContain("app.ts changed; reloading");
  });
});

/** `pulsar run <app>` from the binary: two workers on a free port, its pid file in `dir`. */
const twoWorkers = (dir: string, app: string) =>
  Proc.binary([
    "run",
    app,
    "--bind",
    "127.0.0.1:0",
    "--workers",
    "2",
    "--pid-file",
    join(dir, "a.pid"),
    "--log-level",
    "info",
  ]);

/**
 * wrk (`args`: a URL, maybe a script) for 6 s while the arbiter gets three HUPs;
 * then every worker must have been replaced and wrk must have seen no error.
 */
async function hupsUnderLoad(arb: Proc, args: string[]): Promise<void> {
  const before = await arb.waitChildren(2);
  // wrk counts a connection closed without `Connection: close` as a read error: a fair judge.
  await using wrk = new Proc(["wrk", "-t1", "-c32", "-d6s", ...args]);
  for (let i = 0; i < 3; i++) {
    await Bun.sleep(1500);
    arb.signal("SIGHUP");
  }
  expect(await wrk.exitCode(20_000)).toBe(0);
  const requests = Number(wrk.output.match(/(\d+) requests in/)?.[1]);
  expect(requests).toBeGreaterThan(1000);
  expect(wrk.output).not.toContain("Socket errors");
  expect(wrk.output).not.toContain("Non-2xx");
  await until(() => replaced(arb, before), 15_000, "both workers replaced");
}

/** The program runs two workers again, none of them one of `before`. */
function replaced(arb: Proc, before: number[]): number[] | null {
  const kids = arb.children();
  return kids.length === 2 && !kids.some((k) => before.includes(k)) ? kids : null;
}

/**
 * The graph example as an app: one worker (the lock holder) generates, every
 * tab on every worker gets the same series, and when the generating worker is
 * killed another takes the lock and carries on from the last point.
 */
import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { Proc, ROOT, tempDir, until } from "../helpers/proc.ts";
import { hasChromium, launchChromium } from "../helpers/tools.ts";

type Point = [number, number];

/** A tab's websocket, which reconnects as the page does. */
function tab(url: string) {
  const points = new Map<number, number>();
  const t = { ws: null as unknown as WebSocket, points, open: null as unknown as Promise<unknown>, done: false };
  const connect = () => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/data`);
    ws.onmessage = (e) => {
      for (const [x, y] of JSON.parse(String(e.data)) as Point[]) points.set(x, y);
    };
    ws.onclose = () => !t.done && setTimeout(connect, 100);
    t.ws = ws;
    t.open = new Promise((r) => (ws.onopen = r));
  };
  connect();
  return t;
}

describe("graph", () => {
  it("streams one series to every tab, and survives the death of the generating worker", async () => {
    using dir = tempDir();
    await using proc = await Proc.run("graph", dir.path, "--workers", "2");
    const url = await proc.url();
    await proc.waitChildren(2);
    const tabs = Array.from({ length: 6 }, () => tab(url)); // fresh connections: spread over both workers
    await Promise.all(tabs.map((t) => t.open));
    await until(() => tabs.every((t) => t.points.size >= 50), 15_000, "50 points on every tab");
    // Same x, same y, on every tab: one generator, one series.
    const xs = [...(tabs[0]?.points.keys() ?? [])].slice(0, 40);
    for (const t of tabs) for (const x of xs) expect(t.points.get(x)).toBe(tabs[0]?.points.get(x) as number);

    const generator = Number((await proc.waitFor(/\[graph[^:]*:(\d+)\] generating/))[1]);
    expect(proc.children()).toContain(generator);
    const before = Math.max(...(tabs[0]?.points.keys() ?? []));
    process.kill(generator, "SIGKILL");
    // The arbiter releases the dead worker's lock; the other worker (or the replacement) generates on.
    await until(
      () => tabs.every((t) => Math.max(...t.points.keys()) > before + 50),
      20_000,
      "points after the failover",
    );
    // It carried on from the last point (not from 0), with no gap.
    const after = [...(tabs[0]?.points.keys() ?? [])].filter((x) => x > before).sort((a, b) => a - b);
    expect(after[0]).toBeLessThanOrEqual(before + 20);
    for (const t of tabs) {
      t.done = true;
      t.ws.close();
    }
  }, 60_000);

  it("runs from source too: bun examples/graph/index.ts", async () => {
    using dir = tempDir();
    await using proc = Proc.script(join(ROOT, "examples/graph/index.ts"), [
      "--bind",
      "127.0.0.1:0",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    const url = await proc.url();
    const t = tab(url);
    await until(() => t.points.size >= 20, 15_000, "20 points");
    expect((await fetch(url)).headers.get("content-type")).toStartWith("text/html");
    t.done = true;
    t.ws.close();
  }, 30_000);

  it.if(hasChromium())(
    "draws the same points in two browser tabs",
    async () => {
      using dir = tempDir();
      await using proc = await Proc.run("graph", dir.path, "--workers", "2");
      const url = await proc.url();
      const browser = await launchChromium();
      try {
        const pages = [await browser.newPage(), await browser.newPage()];
        await Promise.all(pages.map((p) => p.goto(url)));
        for (const p of pages)
          await p.waitForFunction(() => Number(document.body.dataset.points) >= 100, undefined, { timeout: 15_000 });
        // Compare the points both tabs hold for the same x.
        const series = await Promise.all(
          pages.map((p) => p.evaluate(() => JSON.parse(document.body.dataset.series ?? "[]") as Point[])),
        );
        const first = new Map(series[0]);
        const shared = (series[1] ?? []).filter(([x]) => first.has(x));
        expect(shared.length).toBeGreaterThan(0);
        for (const [x, y] of shared) expect(first.get(x)).toBe(y);
        await pages[0]?.screenshot({ path: join(dir.path, "graph.png") });
        expect(Bun.file(join(dir.path, "graph.png")).size).toBeGreaterThan(1000);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});

/**
 * Bench section `net`: TCP echo round trips/s (small messages, pipelined) and
 * MB/s (64 KB messages) through `pulsar run echo --workers 2`, against raw
 * Bun.listen echoes in two processes (one holding whole messages as the echo
 * protocol asks, the goal's baseline; one piping bytes through as they come)
 * and socat (a C reference, one process per connection) when installed; then
 * UDP datagrams/s through `pulsar run echoudp --workers 2` against a raw
 * Bun.udpSocket echo in two processes. The load generator
 * (fixtures/echo-load.ts) is one Bun process with several pipelining
 * connections.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BUN, fmt, freePort, pulsarArgs, type Row, ratio, start } from "./lib.ts";

const fixture = (name: string) => join(import.meta.dir, "fixtures", name);

interface Load {
  rtps: number;
  mbps: number;
}

async function load(mode: "tcp" | "udp", port: number, conns: number, depth: number, size: number, s: number) {
  const p = Bun.spawn([BUN, fixture("echo-load.ts"), mode, String(port), ...[conns, depth, size, s].map(String)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out.trim().split("\n").at(-1) as string) as Load;
}

/** Wait until something accepts TCP connections on `port`. */
async function waitTcp(port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
      await Bun.sleep(20);
    }
  }
}

/** Wait until an echo comes back over UDP on `port`. */
async function waitUdp(port: number, ms = 20_000): Promise<void> {
  let heard = false;
  const sock = await Bun.udpSocket({
    socket: {
      data() {
        heard = true;
      },
      error() {}, // "port unreachable" until the server is up
    },
  });
  const deadline = Date.now() + ms;
  while (!heard) {
    if (Date.now() > deadline) throw new Error(`no UDP echo on ${port}`);
    sock.send("ping", port, "127.0.0.1");
    await Bun.sleep(20);
  }
  sock.close();
}

type Server = { stop(): Promise<void> };

async function serving<T>(servers: Server[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    for (const s of servers) await s.stop();
  }
}

const quiet = (port: number, app: string) => pulsarArgs(port, "run", app, "--workers", "2");

/** Run the `net` section; each figure is added as a row. */
export async function netBench(binary: string, add: (row: Row) => void, seconds: number): Promise<void> {
  const runs = [
    { what: "TCP echo 64 B, 16 conns × 16 pipelined, round trips/s", size: 64, depth: 16, key: "rtps" as const },
    { what: "TCP echo 64 KB, 8 conns × 2 pipelined, MB/s", size: 65536, depth: 2, key: "mbps" as const },
  ];
  const conns = (size: number) => (size > 1024 ? 8 : 16);
  for (const run of runs) {
    const measure = async (servers: Server[], port: number) =>
      serving(servers, async () => {
        await waitTcp(port);
        return (await load("tcp", port, conns(run.size), run.depth, run.size, seconds))[run.key];
      });
    // Three alternating rounds, each side's best kept: no side always runs first, and this VM drifts.
    // Two raw baselines: one holds whole messages as the echo app must, one pipes bytes as they come.
    const raw = (mode: "whole" | "tcp") => async () => {
      const port = freePort();
      return measure(
        [0, 1].map(() => start([BUN, fixture("raw-echo.ts"), mode, String(port)])),
        port,
      );
    };
    const sides = {
      ours: async () => {
        const port = freePort();
        return measure([start([binary, ...quiet(port, "echo")])], port);
      },
      whole: raw("whole"),
      pipe: raw("tcp"),
    };
    const best = { ours: 0, whole: 0, pipe: 0 };
    for (let round = 0; round < 3; round++)
      for (const [side, fn] of Object.entries(sides)) {
        const k = side as keyof typeof best;
        best[k] = Math.max(best[k], await fn());
      }
    let socat = Number.NaN;
    if (existsSync("/usr/bin/socat")) {
      const p3 = freePort();
      socat = await measure([start(["socat", `TCP-LISTEN:${p3},bind=127.0.0.1,fork,reuseaddr`, "PIPE"])], p3);
    }
    const digits = run.key === "mbps" ? 1 : 0;
    add({
      section: "net",
      what: `${run.what} vs raw Bun echoing whole messages (socat: ${Number.isNaN(socat) ? "not installed" : fmt(socat, digits)})`,
      ours: fmt(best.ours, digits),
      baseline: fmt(best.whole, digits),
      ratio: ratio(best.ours, best.whole),
      goal: "≥ 0.9×",
    });
    add({
      section: "net",
      what: `${run.what} vs raw Bun piping bytes through`,
      ours: fmt(best.ours, digits),
      baseline: fmt(best.pipe, digits),
      ratio: ratio(best.ours, best.pipe),
      goal: "",
    });
  }
  const udpRun = (servers: Server[], port: number) =>
    serving(servers, async () => {
      await waitUdp(port);
      return (await load("udp", port, 8, 8, 64, seconds)).rtps;
    });
  let [oursUdp, rawUdp] = [0, 0];
  for (let round = 0; round < 2; round++) {
    const u1 = freePort();
    oursUdp = Math.max(oursUdp, await udpRun([start([binary, ...quiet(u1, "echoudp")])], u1));
    const u2 = freePort();
    rawUdp = Math.max(
      rawUdp,
      await udpRun(
        [0, 1].map(() => start([BUN, fixture("raw-echo.ts"), "udp", String(u2)])),
        u2,
      ),
    );
  }
  add({
    section: "net",
    what: "UDP echo 64 B, 8 sockets × 8 in flight, datagrams/s",
    ours: fmt(oursUdp),
    baseline: fmt(rawUdp),
    ratio: ratio(oursUdp, rawUdp),
    goal: "≥ 0.9×",
  });
}

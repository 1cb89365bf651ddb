/**
 * Bench section `chat`: fan-out through `pulsar run chat --workers 2` to 200
 * websocket clients, on the arbiter relay and on Redis, against raw Bun (one
 * process, server.publish, the same clients), measured in the same run; and
 * the p99 delivery latency of each. The load runs in its own process.
 */
import { join } from "node:path";
import { BUN, fmt, freePort, pulsarArgs, type Row, ratio, start, waitHttp } from "./lib.ts";

const CLIENTS = 200;
const SENDERS = 20;
const WINDOW = 4;

async function load(url: string, seconds: number): Promise<{ messagesPerSec: number; p99ms: number }> {
  const p = Bun.spawn(
    [BUN, join(import.meta.dir, "fixtures/chat-load.ts"), url, `${CLIENTS}`, `${SENDERS}`, `${WINDOW}`, `${seconds}`],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out.trim().split("\n").at(-1) as string);
}

/** Start redis-server on a free port, no persistence; stopped by PID. */
async function redisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = freePort();
  const proc = Bun.spawn(
    ["/usr/bin/redis-server", "--port", `${port}`, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdout: "ignore", stderr: "inherit" },
  );
  for (let i = 0; i < 200; i++) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      break;
    } catch {
      await Bun.sleep(25);
    }
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async stop() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** Run the section; returns its rows. */
export async function chatBench(binary: string, seconds: number): Promise<Row[]> {
  const measure = async (cmd: (port: number) => string[]) => {
    const port = freePort();
    const proc = start(cmd(port));
    try {
      await waitHttp(`http://127.0.0.1:${port}/`);
      return await load(`http://127.0.0.1:${port}`, seconds);
    } finally {
      await proc.stop();
    }
  };
  const pulsar = (port: number, ...extra: string[]) => [
    binary,
    ...pulsarArgs(port, "run", "chat", "--workers", "2", ...extra),
  ];
  const raw = await measure((port) => [BUN, join(import.meta.dir, "fixtures/raw-chat.ts"), `${port}`]);
  const arbiter = await measure((port) => pulsar(port));
  const redis = await redisServer();
  let viaRedis: { messagesPerSec: number; p99ms: number };
  try {
    viaRedis = await measure((port) => pulsar(port, "--data-store", redis.url));
  } finally {
    await redis.stop();
  }
  const what = `fan-out to ${CLIENTS} ws clients, messages/s`;
  return [
    {
      section: "chat",
      what: `${what} (2 workers, arbiter)`,
      ours: fmt(arbiter.messagesPerSec),
      baseline: fmt(raw.messagesPerSec),
      ratio: ratio(arbiter.messagesPerSec, raw.messagesPerSec),
      goal: "≥ 0.5×",
    },
    {
      section: "chat",
      what: `${what} (2 workers, redis)`,
      ours: fmt(viaRedis.messagesPerSec),
      baseline: fmt(raw.messagesPerSec),
      ratio: ratio(viaRedis.messagesPerSec, raw.messagesPerSec),
      goal: "≥ 0.3×",
    },
    {
      section: "chat",
      what: "p99 delivery latency, ms (arbiter)",
      ours: fmt(arbiter.p99ms, 1),
      baseline: fmt(raw.p99ms, 1),
      ratio: ratio(arbiter.p99ms, raw.p99ms),
      goal: "",
    },
    {
      section: "chat",
      what: "p99 delivery latency, ms (redis)",
      ours: fmt(viaRedis.p99ms, 1),
      baseline: fmt(raw.p99ms, 1),
      ratio: ratio(viaRedis.p99ms, raw.p99ms),
      goal: "",
    },
  ];
}

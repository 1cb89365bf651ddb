/** Shared pieces of the benchmarks: ports, processes cleaned up by PID, wrk, statistics. */
import { childrenOf } from "../helpers/proc.ts";

export const BUN = process.execPath;

export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Poll until `url` answers 200; resolves with the ms it took. */
export async function waitHttp(url: string, ms = 20_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - t0;
    } catch {}
    await Bun.sleep(5);
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** Start a program; `stop()` kills it and its children by PID. */
export function start(cmd: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn(cmd, {
    env: { ...process.env, ...env },
    stdout: "ignore",
    stderr: "inherit",
    stdin: "ignore",
  });
  return {
    proc,
    async stop() {
      const kids = childrenOf(proc.pid);
      proc.kill("SIGKILL");
      for (const k of kids) {
        try {
          process.kill(k, "SIGKILL");
        } catch {}
      }
      await proc.exited;
    },
  };
}

export interface WrkResult {
  rps: number;
  p99ms: number;
  errors: string;
  /** Bytes per second read, from wrk's Transfer/sec. */
  bytesPerSec: number;
}

/** Run wrk (with a Lua `script` when given) and read requests/s, the 99th percentile latency and any errors. */
export async function wrk(url: string, connections: number, seconds: number, script?: string): Promise<WrkResult> {
  const args = ["wrk", "-t2", `-c${connections}`, `-d${seconds}s`, "--latency", ...(script ? ["-s", script] : []), url];
  const p = Bun.spawn(args, { stdout: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? 0);
  const m = out.match(/\s99%\s+([\d.]+)(us|ms|s)/);
  const unit = m?.[2] === "us" ? 0.001 : m?.[2] === "s" ? 1000 : 1;
  const errors = [...out.matchAll(/(Socket errors.*|Non-2xx.*)/g)].map((x) => x[1]).join("; ");
  const t = out.match(/Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/);
  const scale = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30 }[(t?.[2] ?? "B") as "B"];
  return { rps, p99ms: m ? Number(m[1]) * unit : Number.NaN, errors, bytesPerSec: t ? Number(t[1]) * scale : 0 };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export function rssOf(pid: number): number {
  const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) * 1024;
}

/** One line of the summary. */
export interface Row {
  section: string;
  what: string;
  ours: string;
  baseline: string;
  ratio: string;
  goal: string;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const ratio = (ours: number, base: number) => (base ? `${(ours / base).toFixed(2)}×` : "n/a");

/** `<command…> --bind 127.0.0.1:PORT`, quiet, with its own pid file: how every section runs pulsar. */
export const pulsarArgs = (port: number, ...command: string[]) => [
  ...command,
  "--bind",
  `127.0.0.1:${port}`,
  "--log-level",
  "warn",
  "--pid-file",
  `/tmp/pulsar-bench-${port}.pid`,
];

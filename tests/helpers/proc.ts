/**
 * Real processes for tests: start the binary or a script, read its output,
 * wait for lines, ports and worker counts, and always clean up by PID.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = process.execPath;
export const BINARY = join(ROOT, "dist/pulsar");
export const FIXTURES = join(ROOT, "tests/fixtures");

let built: Promise<string> | null = null;
/** Build dist/pulsar once per test run (a second or so), so e2e tests judge the current sources. */
export function ensureBinary(): Promise<string> {
  built ??= (async () => {
    const p = Bun.spawn([BUN, "build.ts"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if ((await p.exited) !== 0) throw new Error(`build failed: ${await new Response(p.stderr).text()}`);
    return BINARY;
  })();
  return built;
}

/** The pids whose parent is `pid` (live, not zombies), from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid && fields[0] !== "Z") out.push(Number(entry));
    } catch {}
  }
  return out.sort((a, b) => a - b);
}

/** Is `pid` alive (and not a zombie)? */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Poll `check` every 25 ms until it returns a truthy value, or throw after `ms`. */
export async function until<T>(check: () => T | Promise<T>, ms = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** A started program whose output is collected; `await using` kills it and its children by PID. */
export class Proc implements AsyncDisposable {
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  output = "";
  readonly exited: Promise<number>;

  constructor(cmd: string[], opts: StartOptions = {}) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, PULSAR_ACTOR: undefined, ...opts.env }))
      if (v !== undefined) env[k] = v;
    this.proc = Bun.spawn(cmd, { cwd: opts.cwd ?? ROOT, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      const reader = stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read())
        this.output += decoder.decode(r.value, { stream: true });
    };
    const pumps = Promise.all([pump(this.proc.stdout), pump(this.proc.stderr)]);
    this.exited = this.proc.exited.then(async (code) => {
      await pumps;
      return code;
    });
  }

  /** Start the compiled binary with `args`. */
  static async binary(args: string[], opts?: StartOptions): Promise<Proc> {
    return new Proc([await ensureBinary(), ...args], opts);
  }

  /**
   * `pulsar run <app> [args…]` from the binary on `127.0.0.1:0`, with its pid file (and so
   * its control socket) in `dir` and the log level that prints `listening on`.
   * @example await using arb = await Proc.run("httpbin", dir.path, "--workers", "2");
   */
  static run(app: string, dir: string, ...args: string[]): Promise<Proc> {
    const where = ["--bind", "127.0.0.1:0", "--pid-file", join(dir, "a.pid"), "--log-level", "info"];
    return Proc.binary(["run", app, ...args, ...where]);
  }

  /** Start a script with bun, from source. */
  static script(file: string, args: string[], opts?: StartOptions): Proc {
    return new Proc([BUN, file, ...args], opts);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Wait until the output matches `re`; returns the match. */
  async waitFor(re: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    return until(() => this.output.match(re), ms, `${re} in output:\n${this.output}`);
  }

  /** Wait for the first `listening on http(s)://host:port` line; returns the URL. */
  async url(ms = 15_000): Promise<string> {
    const m = await this.waitFor(/listening on (https?:\/\/[^\s]+)/, ms);
    return m[1] as string;
  }

  children(): number[] {
    return childrenOf(this.pid);
  }

  /** Wait until the program has exactly `n` child processes; returns their pids. */
  async waitChildren(n: number, ms = 15_000): Promise<number[]> {
    return until(
      () => {
        const c = this.children();
        return c.length === n ? c : null;
      },
      ms,
      `${n} workers (have ${this.children().length})`,
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.proc.kill(sig);
  }

  /** Exit code, waiting at most `ms`. */
  async exitCode(ms = 15_000): Promise<number> {
    return Promise.race([
      this.exited,
      Bun.sleep(ms).then(() => {
        throw new Error(`still running after ${ms} ms; output:\n${this.output}`);
      }),
    ]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const kids = this.children();
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    for (const k of kids) {
      try {
        process.kill(k, "SIGKILL");
      } catch {}
    }
    await this.exited;
  }
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** A temporary folder, removed on dispose. */
export function tempDir(): { path: string } & Disposable {
  const { mkdtempSync, rmSync } = require("node:fs") as typeof import("node:fs");
  const { tmpdir } = require("node:os") as typeof import("node:os");
  const path = mkdtempSync(join(tmpdir(), "pulsar-test-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

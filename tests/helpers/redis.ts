/**
 * A real redis-server for tests, on a free port, with no persistence; stopped
 * (and restarted) by PID, never by name.
 */
import { freePort, until } from "./proc.ts";

export class RedisServer implements AsyncDisposable {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe"> | null = null;
  readonly port = freePort();
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Start it and wait until it accepts connections. */
  async start(): Promise<this> {
    this.proc = Bun.spawn(
      ["/usr/bin/redis-server", "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    let out = "";
    const reader = this.proc.stdout.getReader();
    const pump = (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) out += new TextDecoder().decode(r.value);
    })();
    await until(() => out.includes("Ready to accept connections"), 10_000, `redis-server ready:\n${out}`);
    pump.catch(() => {});
    return this;
  }

  /** Kill it (SIGKILL by PID) and wait until it is gone. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p) return;
    p.kill("SIGKILL");
    await p.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Start a redis-server for a test file. */
export function startRedis(): Promise<RedisServer> {
  return new RedisServer().start();
}

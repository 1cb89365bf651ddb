/**
 * The process-wide messaging API: `send`, `request`, `spawn`. Whatever runs
 * here (the arbiter, or a worker) installs itself as the runtime, so the same
 * call works from any actor: a worker's calls go to the arbiter, which routes
 * them; the arbiter's are routed locally.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { NotRunningError } from "../errors.ts";
import { DEFAULT_TIMEOUT } from "../ipc/mailbox.ts";

export interface Runtime {
  /** The aid of the actor this process (or thread) runs. */
  readonly self: string;
  request(to: string, cmd: string, args: unknown[], timeout: number): Promise<unknown>;
  notify(to: string, cmd: string, args: unknown[]): void;
}

let current: Runtime | null = null;
// Inline actors share the arbiter's process: their code runs inside their own
// runtime context, so that their messages leave with their own aid.
const scoped = new AsyncLocalStorage<Runtime>();

export function setRuntime(runtime: Runtime | null): void {
  current = runtime;
}

/** Run `fn` (and what it schedules) as the actor of `runtime`. */
export function withRuntime<T>(runtime: Runtime, fn: () => T): T {
  return scoped.run(runtime, fn);
}

function runtime(): Runtime {
  const r = scoped.getStore() ?? current;
  if (!r) throw new NotRunningError("no actor runs here: start an arbiter or an app first");
  return r;
}

/** Where a message goes: "arbiter", an app name (its monitor), an aid, or a proxy. */
export type Target = string | { aid: string };

const aidOf = (target: Target) => (typeof target === "string" ? target : target.aid);

/**
 * Run `cmd(...args)` on `target` and resolve to its result.
 * @example await send("arbiter", "ping") // "pong"
 */
export function send(target: Target, cmd: string, ...args: unknown[]): Promise<unknown> {
  return runtime().request(aidOf(target), cmd, args, DEFAULT_TIMEOUT);
}

/**
 * `send` with options: a per-call timeout in ms.
 * @example await request({ to: "hello", cmd: "info", timeout: 500 })
 */
export function request(options: { to: Target; cmd: string; args?: unknown[]; timeout?: number }): Promise<unknown> {
  return runtime().request(aidOf(options.to), options.cmd, options.args ?? [], options.timeout ?? DEFAULT_TIMEOUT);
}

/**
 * Fire-and-forget: run `cmd(...args)` on `target` without an answer.
 * @example notify("philosophers", "putdown_fork", 3)
 */
export function notify(target: Target, cmd: string, ...args: unknown[]): void {
  runtime().notify(aidOf(target), cmd, args);
}

/** The aid of the actor running this code, or null outside the runtime. */
export function currentAid(): string | null {
  return (scoped.getStore() ?? current)?.self ?? null;
}

/** A handle on a running actor. */
export class ActorProxy {
  constructor(
    readonly aid: string,
    readonly name: string,
    readonly pid: number,
  ) {}
  /** `send(this, cmd, ...args)` */
  send(cmd: string, ...args: unknown[]): Promise<unknown> {
    return send(this.aid, cmd, ...args);
  }
  /** Stop this actor (the arbiter kills it after its exit_timeout). */
  stop(): Promise<unknown> {
    return send("arbiter", "kill_actor", this.aid);
  }
}

/** What `spawn` takes. */
export interface SpawnOptions {
  /** The kind registered with `defineActor`; none gives a bare actor with the built-ins. */
  kind?: string;
  name?: string;
  concurrency?: "process" | "thread" | "inline";
  /** Given to the kind's `start(actor, params)`. */
  params?: unknown;
}

/**
 * Start a new actor under the arbiter; resolves to its proxy once it runs.
 * @example
 * const greeter = await spawn({ kind: "greeter" });
 * await greeter.send("greet", "World");
 */
export async function spawn(options: SpawnOptions = {}): Promise<ActorProxy> {
  const r = (await runtime().request("arbiter", "spawn", [options], DEFAULT_TIMEOUT)) as {
    aid: string;
    name: string;
    pid: number;
  };
  return new ActorProxy(r.aid, r.name, r.pid);
}

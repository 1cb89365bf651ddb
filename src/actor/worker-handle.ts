/**
 * The arbiter's handle on one worker, whatever its concurrency: a process
 * (Bun.spawn with ipc), a thread (Bun Worker) or inline (in this process).
 * It learns of a death from the exit event, never from a last message
 * (oven-sh/bun#37849).
 */

import type { Hooks } from "../config/hooks.ts";
import type { GlobalSettings } from "../config/resolve.ts";
import { BootError, type ErrorData } from "../errors.ts";
import { type Dispatcher, Mailbox } from "../ipc/mailbox.ts";
import { Port, portPair } from "../ipc/port.ts";
import { IDENTITY_ENV, type Identity, type Message, type PubSubMessage, type WorkerStats } from "../ipc/protocol.ts";
import type { Application } from "./application.ts";
import { runWorker } from "./worker-runtime.ts";

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface SpawnSpec {
  identity: Identity;
  global: GlobalSettings;
  /** For inline workers: the app and hooks to run in this process. */
  app?: Application;
  hooks?: Hooks;
  /** Routes the requests the worker sends (to the arbiter, or on to other actors). */
  route: Dispatcher;
  /** Handles the worker's pub/sub messages (the arbiter's relay). */
  pubsub?: (msg: PubSubMessage, worker: WorkerHandle) => void;
}

export type WorkerState = "starting" | "running" | "stopping" | "closed";

export class WorkerHandle {
  readonly identity: Identity;
  readonly aid: string;
  readonly name: string;
  pid = 0;
  state: WorkerState = "starting";
  readonly startedAt = Date.now();
  readyAt = 0;
  lastBeat = Date.now();
  stopAt = 0;
  stats: WorkerStats | null = null;
  readyInfo: Record<string, unknown> = {};
  bootError: ErrorData | null = null;
  /** Stopped on purpose (stop, reload, recycle, scale down): not a crash. */
  stopRequested = false;
  /** A replacement is starting for it. */
  replacing = false;
  exit: ExitInfo | null = null;
  readonly mailbox: Mailbox;
  readonly ready: Promise<Record<string, unknown>>;
  readonly exited: Promise<ExitInfo>;
  #kill: (signal: "SIGTERM" | "SIGKILL") => void;

  constructor(spec: SpawnSpec) {
    this.identity = spec.identity;
    this.aid = spec.identity.aid;
    this.name = spec.identity.name;
    let onReady!: (info: Record<string, unknown>) => void;
    let onBootFail!: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      onBootFail = reject;
    });
    this.ready.catch(() => {}); // observed by whoever awaits it; never unhandled
    const lifecycle = (msg: Message) => {
      if (msg.t === "pub") return spec.pubsub?.(msg, this); // the hot path: not a sign of life worth a clock read
      this.lastBeat = Date.now();
      if (msg.t === "ready") {
        this.pid = msg.pid;
        this.readyAt = Date.now();
        this.readyInfo = msg.info;
        if (this.state === "starting") this.state = "running";
        onReady(msg.info);
      } else if (msg.t === "beat") this.stats = msg.stats;
      else if (msg.t === "boot_error") this.bootError = msg.error;
      else if (msg.t === "sub" || msg.t === "unsub") spec.pubsub?.(msg, this);
    };
    const { port, exited, kill, pid } = launch(spec);
    this.pid = pid;
    this.#kill = kill;
    this.mailbox = new Mailbox(port, "arbiter", spec.route, lifecycle);
    this.exited = exited.then((info) => {
      this.exit = info;
      this.state = "closed";
      port.markClosed();
      if (!this.readyAt) {
        const why = this.bootError?.message ?? `exit code ${info.code ?? info.signal}`;
        onBootFail(new BootError(`${this.name} failed to boot: ${why}`, { exit: info }));
      }
      return info;
    });
  }

  /** Send a signal (processes), terminate (threads) or force-stop (inline). */
  kill(signal: "SIGTERM" | "SIGKILL" = "SIGKILL"): void {
    if (this.state !== "closed") this.#kill(signal);
  }
}

interface Launched {
  port: Port;
  exited: Promise<ExitInfo>;
  kill: (signal: "SIGTERM" | "SIGKILL") => void;
  pid: number;
}

function launch(spec: SpawnSpec): Launched {
  switch (spec.identity.concurrency) {
    case "thread":
      return launchThread(spec);
    case "inline":
      return launchInline(spec);
    default:
      return launchProcess(spec);
  }
}

/**
 * The command that re-runs this program: the compiled binary with its
 * arguments, or `bun [flags] script.ts …` from source.
 */
export function selfCommand(): string[] {
  const main = Bun.main;
  const compiled = main.startsWith("/$bunfs/") || main.includes("~BUN");
  return compiled
    ? [process.execPath, ...process.argv.slice(2)]
    : [process.execPath, ...process.execArgv, main, ...process.argv.slice(2)];
}

/**
 * Allocator defaults for children; the user's environment wins. Bun's mimalloc
 * hands freed pages back to the OS 10 ms after they empty, so a worker that
 * relays large buffers (proxy tunnels and bodies) faults fresh pages in on
 * every socket read. Keeping them a second took a third off the CPU a
 * tunnelled GB costs (`bun run bench proxy`); idle memory still goes back.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MIMALLOC_PURGE_DELAY: "1000" };

/** The environment of a child: ours, without what must not leak into it. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...ALLOCATOR_ENV };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // A child that inherits BUN_BE_BUN would run as plain bun, not as us.
  delete env.BUN_BE_BUN;
  delete env.NODE_CHANNEL_FD;
  delete env[IDENTITY_ENV];
  return { ...env, ...extra };
}

function launchProcess(spec: SpawnSpec): Launched {
  const port = new Port((msg) => proc.send(msg));
  const proc = Bun.spawn(selfCommand(), {
    argv0: `${spec.global.process_name}: ${spec.identity.name}`,
    env: childEnv({ [IDENTITY_ENV]: JSON.stringify({ ...spec.identity, global: spec.global }) }),
    stdio: ["ignore", "inherit", "inherit"],
    serialization: "json",
    ipc: (msg) => port.receive(msg as Message),
  });
  const exited = proc.exited.then(() => ({
    code: proc.exitCode,
    signal: proc.signalCode === null ? null : String(proc.signalCode),
  }));
  return { port, exited, kill: (signal) => proc.kill(signal), pid: proc.pid };
}

function launchThread(spec: SpawnSpec): Launched {
  const worker = new Worker(Bun.main, {
    argv: process.argv.slice(2),
    env: childEnv({ [IDENTITY_ENV]: JSON.stringify({ ...spec.identity, global: spec.global }) }),
  } as WorkerOptions);
  const port = new Port((msg) => worker.postMessage(msg));
  worker.addEventListener("message", (e) => port.receive(e.data as Message));
  let done!: (info: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => (done = resolve));
  let signal: string | null = null;
  worker.addEventListener("close", (e) => done({ code: (e as unknown as { code: number }).code ?? 0, signal }));
  worker.addEventListener("error", () => worker.terminate());
  return {
    port,
    exited,
    kill: (sig) => {
      signal = sig;
      worker.terminate();
    },
    pid: process.pid,
  };
}

function launchInline(spec: SpawnSpec): Launched {
  const [ours, theirs] = portPair();
  let done!: (info: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => (done = resolve));
  const host = {
    kind: "inline" as const,
    port: theirs,
    exit: (code: number) => done({ code, signal: null }),
  };
  const { global, ...identity } = { ...spec.identity, global: spec.global };
  runWorker(identity, host, spec.app, global, spec.hooks ?? {}).catch((err) => {
    console.error(err);
    done({ code: 1, signal: null });
  });
  return {
    port: ours,
    exited,
    kill: (signal) => {
      // An inline actor shares our thread: closing its channel makes it stop at once.
      theirs.markClosed();
      setTimeout(() => done({ code: null, signal }), 1000).unref();
    },
    pid: process.pid,
  };
}

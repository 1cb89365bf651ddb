/**
 * An Application is what a monitor runs in each of its workers: `serve`
 * builds the worker's body (a server, a loop) and returns how to stop it.
 * HttpServer is one; `new Application({ name, serve })` makes others.
 */

import { HOOK_NAMES, type Hooks } from "../config/hooks.ts";
import type { AppSettings, GlobalSettings } from "../config/resolve.ts";
import type { Listen } from "../server/probe.ts";
import type { Actor, Command } from "./actor.ts";

/** What a worker runs; `serve` returns it once the worker is ready to work. */
export interface WorkerBody {
  /** Stop gracefully: finish in-flight work within `graceMs`, then resolve. */
  stop(graceMs: number): Promise<void> | void;
  /** Told to the monitor with `ready` (bound ports…). */
  ready?: Record<string, unknown>;
}

/** What the monitor side of an app may adjust once a worker is ready. */
export interface MonitorView {
  name: string;
  cfg: AppSettings;
  log: { info(msg: string): void };
}

export interface AppOptions extends Partial<AppSettings>, Hooks {
  /** The app's name: its monitor, its CLI prefix (`--<name>-workers`) and its `send` target. */
  name?: string;
  /** Build a worker's body. */
  serve?: (actor: Actor, cfg: AppSettings, global: GlobalSettings) => Promise<WorkerBody> | WorkerBody;
  /** Commands each worker answers, besides the built-ins. */
  commands?: Record<string, Command>;
  /** Commands the app's monitor answers (`send("<app>", cmd)`), in the arbiter process. */
  monitorCommands?: Record<string, Command>;
}

export class Application {
  readonly name: string;
  readonly options: AppOptions;
  /** Settings this kind of app defaults to (lower than code options). */
  defaults: Partial<AppSettings> = {};

  constructor(options: AppOptions = {}) {
    this.name = options.name ?? "app";
    this.options = options;
  }

  /** The hooks set in code. */
  get hooks(): Hooks {
    const hooks: Hooks = {};
    for (const name of HOOK_NAMES) if (this.options[name]) hooks[name] = this.options[name];
    return hooks;
  }

  /** The settings given in code, without hooks and callbacks. */
  get settings(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.options)) if (typeof v !== "function" && typeof v !== "object") out[k] = v;
    if (Array.isArray(this.options.bind)) out.bind = this.options.bind;
    else if (typeof this.options.bind === "string") out.bind = this.options.bind;
    delete out.name;
    return out;
  }

  /** Build one worker's body. */
  async serve(actor: Actor, cfg: AppSettings, global: GlobalSettings): Promise<WorkerBody> {
    if (!this.options.serve) return { stop() {} };
    return this.options.serve(actor, cfg, global);
  }

  /** Monitor side: a worker is ready; update the shared cfg (a `:0` port) and log what it serves. */
  workerReady(_monitor: MonitorView, _info: Record<string, unknown>, _first: boolean): void {}

  /** Monitor side, before any worker starts: check and adjust the settings. Throw ConfigError on a bad one. */
  configure(_cfg: AppSettings, _log: { info(msg: string): void; warn(msg: string): void }): void {}

  /** Monitor side: the addresses its workers bind with SO_REUSEPORT, which must be free when it starts. */
  listens(_cfg: AppSettings): Listen[] {
    return [];
  }

  /** Monitor side: must the first worker be ready before the others start? (`:0` binds) */
  startsOneFirst(_cfg: AppSettings): boolean {
    return false;
  }

  /**
   * Run this app under a new arbiter: parse settings from argv, env and the
   * config file, spawn the workers, and supervise them until stopped.
   * @example new HttpServer(app, { name: "api" }).start()
   */
  async start(argv: string[] = process.argv.slice(2)): Promise<void> {
    const { arbiter } = await import("./arbiter.ts");
    await arbiter().add(this).start({ argv });
  }
}

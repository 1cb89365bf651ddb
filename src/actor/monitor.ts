/**
 * A Monitor keeps one application's pool of workers at `workers`, in the
 * arbiter's process: it spawns, reaps, kills the silent, replaces the dead
 * (at once, then with backoff when they keep crashing), recycles, scales and
 * rolls. The shape is gunicorn's arbiter: short verb methods.
 */

import { type Hooks, runHook } from "../config/hooks.ts";
import type { AppSettings, GlobalSettings } from "../config/resolve.ts";
import { MAX_WORKERS } from "../config/settings.ts";
import { BootError, ConfigError, EXIT } from "../errors.ts";
import type { Dispatcher } from "../ipc/mailbox.ts";
import { Actor, newAid } from "./actor.ts";
import type { Application } from "./application.ts";
import { installCommands } from "./commands.ts";
import { type ExitInfo, type SpawnSpec, WorkerHandle } from "./worker-handle.ts";

/** What a monitor needs from its arbiter. */
export interface MonitorHost {
  global: GlobalSettings;
  route: Dispatcher;
  /** The arbiter's pub/sub relay, for the workers' pub/sub messages. */
  pubsub?: SpawnSpec["pubsub"];
  /** A worker failed to boot outside of a start or a reload: stop everything. */
  fail(code: number, reason: string): void;
}

const KILL_GRACE_MS = 1000;
/** A worker that dies younger than this counts towards a crash loop (and its backoff). */
const CRASH_LOOP_MS = 1000;

export class Monitor {
  readonly actor: Actor;
  readonly workers = new Map<string, WorkerHandle>();
  state: "initial" | "starting" | "running" | "stopping" | "closed" = "initial";
  target: number;
  #index = 0;
  #crashes = 0;
  #respawn: Timer | undefined;
  #sweep: Timer | undefined;
  #rolling: Promise<void> | null = null;
  /** Resolved once the pool first runs: a reload asked for while booting waits for it. */
  #up = Promise.withResolvers<void>();
  #booting: { resolve(): void; reject(err: Error): void } | null = null;
  /** While the first worker of a `:0` app boots, only it may start. */
  #limit = Number.POSITIVE_INFINITY;

  constructor(
    readonly app: Application,
    readonly cfg: AppSettings,
    readonly hooks: Hooks,
    private readonly host: MonitorHost,
  ) {
    this.actor = new Actor(newAid(`monitor-${app.name}`), app.name, cfg, {
      info: () => this.info(),
      stop: () => this.stop(),
      configSet: (name, value) => name === "workers" && this.scale(Number(value)),
    });
    installCommands(this.actor, {
      ...app.options.monitorCommands,
      recycle: (_ctx, aid: string) => this.recycle(aid),
      scale: (_ctx, n: number) => this.scale(Number(n)),
      reload: () => this.reload(),
    });
    this.target = cfg.concurrency === "inline" ? 1 : cfg.workers;
  }

  get name(): string {
    return this.app.name;
  }

  get log() {
    return this.actor.log;
  }

  /** Workers that count towards the target: not stopping, not being replaced. */
  get live(): WorkerHandle[] {
    return [...this.workers.values()].filter((w) => !w.stopRequested && !w.replacing && w.state !== "closed");
  }

  /** Check and adjust the settings (the app's `configure`), before `start`; throws ConfigError. */
  configure(): void {
    this.app.configure(this.cfg, this.log);
    this.target = this.cfg.concurrency === "inline" ? 1 : this.cfg.workers;
  }

  /** Spawn the pool and resolve once every worker is ready; throws BootError if one cannot boot. */
  async start(): Promise<void> {
    this.state = "starting";
    this.actor.state = "starting";
    await runHook(this.hooks, "monitor_start", this.log, [this]);
    if (this.state !== "starting") return; // stopped during the hook
    this.#sweep = setInterval(() => this.murderWorkers(), 250);
    this.#sweep.unref();
    if (this.app.startsOneFirst(this.cfg) && this.target > 1) {
      // `:0`: the first worker picks the port, the others then bind the same one.
      this.#limit = 1;
      await this.#untilBooted();
      this.#limit = Number.POSITIVE_INFINITY;
    }
    await this.#untilBooted();
    if (this.state !== "starting") return; // stopped while booting: no respawn to the target
    this.state = "running";
    this.actor.state = "running";
    this.#up.resolve();
    this.manageWorkers(); // a TTIN/TTOU may have changed the target meanwhile
  }

  /** Resolve once `min(target, limit)` workers run; reject when one cannot boot. */
  #untilBooted(): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#booting = { resolve, reject };
    this.manageWorkers();
    this.#checkBooted();
    return promise.finally(() => {
      this.#booting = null;
    });
  }

  #checkBooted(): void {
    if (!this.#booting) return;
    const running = this.live.filter((w) => w.state === "running").length;
    if (running >= Math.min(this.target, this.#limit)) this.#booting.resolve();
  }

  /** Start one more worker. */
  spawnWorker(): WorkerHandle {
    const index = ++this.#index;
    const w = new WorkerHandle({
      identity: {
        aid: newAid(this.app.name),
        name: `${this.app.name} worker ${index}`,
        kind: "app",
        app: this.app.name,
        index,
        concurrency: this.cfg.concurrency,
        cfg: this.cfg,
      },
      global: this.host.global,
      app: this.app,
      hooks: this.hooks,
      route: this.host.route,
      pubsub: this.host.pubsub,
    });
    this.workers.set(w.aid, w);
    const first = index === 1;
    w.ready.then(
      (info) => {
        // A worker that comes up while the pool stops must not announce a server ("listening on").
        if (this.state !== "stopping" && this.state !== "closed") this.app.workerReady(this, info, first);
        this.#checkBooted();
      },
      () => {},
    );
    w.exited.then((exit) => this.reapWorker(w, exit));
    return w;
  }

  /** A worker exited: forget it, and replace it unless it was meant to go. */
  reapWorker(w: WorkerHandle, exit: ExitInfo): void {
    this.workers.delete(w.aid);
    if (this.state === "stopping" || this.state === "closed") return;
    if (!w.readyAt && !w.stopRequested && exit.signal === null) {
      // It exited by itself before it was ready: the app cannot boot. Respawning would loop.
      const code = exit.code === EXIT.APP_LOAD_ERROR || exit.code === EXIT.CONFIG ? exit.code : EXIT.BOOT_ERROR;
      const reason = `${w.name} failed to boot (${w.bootError?.message ?? describeExit(exit)})`;
      if (this.#booting) this.#booting.reject(new BootError(reason, { exit }));
      else if (!this.#rolling) this.host.fail(code, reason); // a reload handles its own
      return;
    }
    if (!w.stopRequested) {
      // A worker that dies within a second of starting is crash-looping: back off.
      // One that had been serving is replaced at once.
      const ranFor = Date.now() - w.startedAt;
      this.#crashes = ranFor > CRASH_LOOP_MS ? 1 : this.#crashes + 1;
      const delay = this.#crashes <= 1 ? 0 : Math.min(100 * 2 ** (this.#crashes - 1), 30_000);
      clearTimeout(this.#respawn);
      // Spawn first, then log: the replacement's boot should not wait on our output.
      if (delay) this.#respawn = setTimeout(() => this.manageWorkers(), delay);
      else this.manageWorkers();
      this.log.warn(
        `${w.name} (pid ${w.pid}) died (${describeExit(exit)}); replacing it${delay ? ` in ${delay} ms` : ""}`,
      );
      return;
    }
    this.manageWorkers();
  }

  /** Kill workers that stopped heartbeating, never booted, or overstay a stop. */
  murderWorkers(): void {
    const now = Date.now();
    // A worker beats every max(0.3 × timeout, 1) s: never call it silent before a beat was due.
    const timeout = Math.max(this.cfg.timeout, 0.3 * this.cfg.timeout + 1, 2) * 1000;
    for (const w of this.workers.values()) {
      const silent =
        (w.state === "running" && now - w.lastBeat > timeout) ||
        (w.state === "starting" && now - w.startedAt > Math.max(timeout, 30_000));
      const overstays =
        w.state === "stopping" && w.stopAt && now - w.stopAt > this.cfg.exit_timeout * 1000 + KILL_GRACE_MS;
      if (silent) {
        this.log.warn(`${w.name} (pid ${w.pid}) silent for ${Math.round((now - w.lastBeat) / 1000)} s; killing it`);
        this.killWorker(w);
      } else if (overstays) {
        this.log.warn(`${w.name} (pid ${w.pid}) did not stop within exit_timeout; killing it`);
        w.kill("SIGKILL");
      }
    }
  }

  /** Bring the pool to its target: spawn the missing, stop the surplus (oldest first). */
  manageWorkers(): void {
    if (this.state !== "running" && this.state !== "starting") return;
    const live = this.live;
    for (let i = live.length; i < Math.min(this.target, this.#limit); i++) this.spawnWorker();
    if (this.#rolling) return;
    const surplus = live.length - this.target;
    for (const w of live.slice(0, Math.max(0, surplus))) this.stopWorker(w);
  }

  /** Ask a worker to drain and exit; killed if it overstays exit_timeout. */
  stopWorker(w: WorkerHandle): void {
    if (w.state === "closed" || w.stopRequested) return;
    w.stopRequested = true;
    w.state = "stopping";
    w.stopAt = Date.now();
    w.mailbox.notify(w.aid, "stop");
    const limit = setTimeout(() => w.kill("SIGKILL"), this.cfg.exit_timeout * 1000 + KILL_GRACE_MS);
    limit.unref();
    w.exited.then(() => clearTimeout(limit));
  }

  /** SIGTERM, then SIGKILL after a short grace: a hung worker cannot run its handlers. */
  killWorker(w: WorkerHandle): void {
    w.state = "stopping";
    w.stopAt = Date.now();
    w.kill("SIGTERM");
    const limit = setTimeout(() => w.kill("SIGKILL"), KILL_GRACE_MS);
    limit.unref();
    w.exited.then(() => clearTimeout(limit));
  }

  /** Replace one worker: start the new one, wait until it is ready, then stop the old. */
  async replaceWorker(old: WorkerHandle): Promise<boolean> {
    if (old.replacing || old.stopRequested || old.state === "closed") return false;
    old.replacing = true;
    const fresh = this.spawnWorker();
    try {
      await fresh.ready;
    } catch (err) {
      old.replacing = false;
      this.log.error(`replacement for ${old.name} failed: ${(err as Error).message}; keeping the running worker`);
      return false;
    }
    this.stopWorker(old);
    await old.exited;
    return true;
  }

  /** max_requests: a worker asked to be recycled. */
  recycle(aid: string): void {
    const w = this.workers.get(aid);
    if (w) this.replaceWorker(w);
  }

  /** Rolling reload: replace the workers one by one, never dropping below the target. */
  reload(): Promise<void> {
    // Asked while booting (`pulsar reload` right after start): roll once the pool is up, rather
    // than answer "reloaded" having replaced nothing.
    if (this.state === "starting") return this.#up.promise.then(() => this.reload());
    if (this.#rolling) return this.#rolling;
    this.log.info(`reloading ${this.live.length} workers one by one`);
    this.#rolling = (async () => {
      for (const old of this.live) {
        if (this.state !== "running") break;
        if (!(await this.replaceWorker(old)) && old.state !== "closed") break;
      }
    })().finally(() => {
      this.#rolling = null;
      this.manageWorkers();
    });
    return this.#rolling;
  }

  /** The app runs inside the arbiter: there is no pool. */
  get inline(): boolean {
    return this.cfg.concurrency === "inline";
  }

  /**
   * Set the pool size (`pulsar scale`, `config set workers`; TTIN/TTOU go
   * through `step`). A size outside 1…MAX_WORKERS is refused: `scale 5000`
   * would fork until the machine stops answering, the arbiter included.
   */
  scale(n: number): number {
    if (this.inline)
      throw new ConfigError(`${this.name} runs inside the arbiter (--workers 0): it has no pool to scale`);
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
      throw new ConfigError(
        `${this.name}: workers must be a whole number from 1 to ${MAX_WORKERS}, not ${JSON.stringify(n)}`,
      );
    this.target = n;
    this.cfg.workers = this.target;
    this.log.info(`scaling to ${this.target} workers`);
    this.manageWorkers();
    return this.target;
  }

  /** One worker more (TTIN) or fewer (TTOU), within 1…MAX_WORKERS: a signal at a bound is logged and ignored. */
  step(by: 1 | -1): number {
    if (this.inline) {
      this.log.warn(`${this.name} runs inside the arbiter (--workers 0): TTIN and TTOU do not apply`);
      return this.target;
    }
    const n = this.target + by;
    if (n < 1 || n > MAX_WORKERS) {
      this.log.warn(
        `${this.name} stays at ${this.target} workers (${by > 0 ? "at most" : "at least"} ${by > 0 ? MAX_WORKERS : 1})`,
      );
      return this.target;
    }
    return this.scale(n);
  }

  /** Stop every worker gracefully and resolve when all have exited. */
  async stop(): Promise<void> {
    if (this.state === "stopping" || this.state === "closed") return;
    this.state = "stopping";
    this.actor.state = "stopping";
    clearTimeout(this.#respawn);
    clearInterval(this.#sweep);
    await runHook(this.hooks, "monitor_stopping", this.log, [this]);
    const all = [...this.workers.values()];
    for (const w of all) {
      w.stopRequested = false; // let stopWorker act even on one being replaced
      w.replacing = false;
      this.stopWorker(w);
    }
    await Promise.all(all.map((w) => w.exited));
    this.state = "closed";
    this.actor.state = "closed";
  }

  /** Kill every worker now. */
  halt(): void {
    this.state = "closed";
    clearTimeout(this.#respawn);
    clearInterval(this.#sweep);
    for (const w of this.workers.values()) w.kill("SIGKILL");
  }

  /** This app's branch of the `info` tree, asking each worker for fresh figures. */
  async info(): Promise<Record<string, unknown>> {
    const workers = await Promise.all(
      [...this.workers.values()].map(async (w) => {
        const base = { aid: w.aid, name: w.name, state: w.state, pid: w.pid };
        if (w.state === "running") {
          try {
            const live = (await w.mailbox.request(w.aid, "info", [], 1000)) as Record<string, unknown>;
            return { ...live, ...base };
          } catch {
            // Fall back on the last heartbeat.
          }
        }
        const s = w.stats;
        return {
          ...base,
          uptime: Math.round((Date.now() - w.startedAt) / 100) / 10,
          memory: s?.rss ?? null,
          requests: s?.requests ?? 0,
          connections: s?.connections ?? 0,
        };
      }),
    );
    return { ...this.actor.describe(), concurrency: this.cfg.concurrency, target: this.target, workers };
  }
}

function describeExit(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

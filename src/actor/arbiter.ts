/**
 * The Arbiter: the singleton root, in the main process. It owns the settings,
 * the signals, the monitors (one per app), the actors started with `spawn`,
 * the control socket and the pid file, and it routes every message between
 * actors. In a spawned worker the same `start()` runs that worker instead:
 * the entry point is re-run with the actor's identity in its environment.
 */
import { watch } from "node:fs";
import { dirname, resolve } from "node:path";
import { exportedProxyEnv } from "../client/proxy-env.ts";
import { type ConfigFile, loadConfigFile } from "../config/config-file.ts";
import { type Hooks, runHook } from "../config/hooks.ts";
import {
  type AppSettings,
  checkConfigFile,
  type GlobalSettings,
  hooksFromFile,
  parseCli,
  resolveApp,
  resolveGlobal,
  type Sources,
} from "../config/resolve.ts";
import { ActorNotFoundError, BootError, ConfigError, EXIT, exitCodeOf, PulsarError } from "../errors.ts";
import type { NotifyMessage, PubSubMessage, RequestMessage } from "../ipc/protocol.ts";
import { setLogLevel } from "../log/logger.ts";
import { lockCommands } from "../pubsub/lock-commands.ts";
import { Relay, setRelay } from "../pubsub/relay.ts";
import { setDataStore } from "../pubsub/store.ts";
import { probeFree } from "../server/probe.ts";
import { Actor, type Command } from "./actor.ts";
import type { Application } from "./application.ts";
import { installCommands } from "./commands.ts";
import { controlAnswers, controlPath, listenControl } from "./control.ts";
import { checkCredentials } from "./credentials.ts";
import { DAEMON_ENV, daemonize, daemonPidFile, tellLauncherReady } from "./daemon.ts";
import { Monitor } from "./monitor.ts";
import { removePidFile, runningArbiter, writePidFile } from "./pid-file.ts";
import { setProcessTitle } from "./proctitle.ts";
import { type SpawnOptions, setRuntime } from "./runtime.ts";
import { WorkerHandle } from "./worker-handle.ts";
import { hostFromParent, readIdentity, runWorker } from "./worker-runtime.ts";

export interface ArbiterOptions extends Partial<GlobalSettings>, Hooks {
  /** Commands the arbiter answers besides the built-ins. */
  commands?: Record<string, Command>;
}

export interface StartOptions {
  /** Flags to parse (default: the process's own). */
  argv?: string[];
  /** Exit the process when the arbiter stops (default true). */
  exit?: boolean;
}

// USR1, USR2 and ABRT too: unhandled, each would kill the arbiter without a drain, and logrotate
// (USR1) or a habit from gunicorn (USR2) sends them to a healthy server.
const SIGNALS = [
  "SIGINT",
  "SIGTERM",
  "SIGQUIT",
  "SIGABRT",
  "SIGHUP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGUSR1",
  "SIGUSR2",
] as const;
type SignalName = (typeof SIGNALS)[number];

export class Arbiter {
  readonly apps: Application[] = [];
  readonly monitors = new Map<string, Monitor>();
  /** Actors started with `spawn`, by aid. */
  readonly actors = new Map<string, WorkerHandle>();
  readonly actor: Actor;
  /** The embedded pub/sub: messages between workers go through here. */
  readonly relay = new Relay();
  cfg!: GlobalSettings;
  hooks: Hooks = {};
  state: "initial" | "starting" | "running" | "stopping" | "closed" = "initial";
  /** Resolves with the exit code once the arbiter has stopped. */
  readonly done: Promise<number>;
  #finish!: (code: number) => void;
  #signals: SignalName[] = [];
  /** Signals that wait until everything is up (a reload while booting). */
  #deferred: SignalName[] = [];
  #lastSignal: SignalName | null = null;
  #stopping: Promise<void> | null = null;
  #control: { close(): void } | null = null;
  #exitProcess = true;
  #listeners: [SignalName, () => void][] = [];
  #watcher: { close(): void } | null = null;
  /** It reached running or was asked to stop: only then is there a "Bye" to say (a failed start has said why already). */
  #bye = false;

  constructor(readonly options: ArbiterOptions = {}) {
    this.actor = new Actor("arbiter", "arbiter", {}, { info: () => this.info(), stop: () => this.stop() });
    this.done = new Promise((resolve) => (this.#finish = resolve));
  }

  get log() {
    return this.actor.log;
  }

  /** Add an application; its monitor starts with the arbiter. */
  add(app: Application): this {
    this.apps.push(app);
    return this;
  }

  /**
   * Run: as the arbiter, or, in a spawned child, as the worker it was spawned to be.
   * Resolves once everything is up (as an arbiter) or the worker is serving.
   */
  async start(opts: StartOptions = {}): Promise<void> {
    const identity = readIdentity();
    if (identity) return this.#runAsWorker(identity);
    this.#exitProcess = opts.exit ?? true;
    try {
      await this.#boot(opts.argv ?? process.argv.slice(2));
    } catch (err) {
      const code = exitCodeOf(err);
      const message = err instanceof PulsarError ? err.message : String((err as Error)?.stack ?? err);
      console.error(`pulsar: ${message}`);
      await this.halt(code);
    }
  }

  async #runAsWorker(identity: NonNullable<ReturnType<typeof readIdentity>>): Promise<void> {
    const host = hostFromParent();
    const global = (identity.global ?? {}) as GlobalSettings;
    const app = this.apps.find((a) => a.name === identity.app);
    let file: ConfigFile = {};
    if (global.config) file = await loadConfigFile(global.config).catch(() => ({}));
    const hooks = identity.kind === "app" ? { ...app?.hooks, ...hooksFromFile(file, app?.name) } : {};
    await runWorker(identity, host, app, global, hooks);
  }

  async #boot(argv: string[]): Promise<void> {
    this.state = "starting";
    const names = this.apps.map((a) => a.name);
    const cli = parseCli(argv, names);
    const configPath = (cli.shared.config as string) || process.env.PULSAR_CONFIG || this.options.config || "";
    const file = configPath ? await loadConfigFile(configPath) : {};
    checkConfigFile(file, names);
    const src: Sources = { cli, env: process.env, file };
    this.cfg = resolveGlobal(this.options as Record<string, unknown>, src);
    if (configPath) this.cfg.config = resolve(configPath);
    setLogLevel(this.cfg.debug ? "debug" : this.cfg.log_level);
    // Into our own environment, not only the workers': inline workers run in this process,
    // and process and thread workers inherit it (childEnv), as does a --daemon re-spawn.
    Object.assign(process.env, exportedProxyEnv(this.cfg.http_proxy));
    const { commands, ...rest } = this.options;
    this.hooks = { ...pickHooks(rest), ...hooksFromFile(file) };
    installCommands(this.actor, { ...this.#commands(), ...commands });

    const planned: [Application, AppSettings, Hooks][] = [];
    for (const app of this.apps) {
      const cfg = resolveApp(app.name, app.defaults, app.settings, src);
      const hooks = { ...app.hooks, ...hooksFromFile(file, app.name) };
      if ((await runHook(hooks, "on_config", this.log, [app, cfg])) === false) {
        this.log.info(`on_config vetoed the start of ${app.name}`);
        continue;
      }
      planned.push([app, cfg, hooks]);
    }
    // Exit code 2 rather than 0: the command could not do what it was asked (run these apps), and
    // the cause is the configuration's own verdict. A 0 would tell a script (`pulsar run … && …`),
    // the --daemon launcher or a supervisor that the apps run. An arbiter given no apps at all
    // (a script that only spawns actors) is left alone.
    if (this.apps.length > 0 && planned.length === 0)
      throw new ConfigError(`on_config vetoed ${names.join(", ")}: no app is left to run`);
    // Refused here, before any spawn (and before --daemon detaches), with exit code 2.
    const creds = checkCredentials(
      this.cfg,
      planned.map(([app, cfg]) => ({ name: app.name, concurrency: cfg.concurrency })),
    );
    const pidFile = this.#pidFile();
    await this.#refuseSecondArbiter(pidFile);
    if (this.cfg.daemon && !process.env[DAEMON_ENV]) await daemonize(this.cfg);
    // From here a signal stops (or is deferred) in order, rather than killing a half-booted arbiter.
    this.#installSignals();
    if (creds) this.log.info(`workers switch to uid ${creds.uid}, gid ${creds.gid} once bound`);

    const host = {
      global: this.cfg,
      route: (msg: RequestMessage | NotifyMessage) => this.route(msg),
      pubsub: (msg: PubSubMessage, w: WorkerHandle) => this.relay.handle(msg, w.aid, w.mailbox.port),
      fail: (code: number, why: string) => this.fail(code, why),
    };
    for (const [app, cfg, hooks] of planned) this.monitors.set(app.name, new Monitor(app, cfg, hooks, host));
    const monitors = [...this.monitors.values()];
    for (const m of monitors) m.configure();
    // Workers bind with SO_REUSEPORT, which would let them join another server's port unnoticed:
    // every address must be free before the first of them binds (probe.ts). Checked before the
    // pid file and the control socket are written, so a refused instance leaves the running one's.
    const listens = monitors.map((m) => ({ name: m.name, listens: m.app.listens(m.cfg) }));
    if (!(await this.#booted(probeFree(listens)))) return;
    if (this.state !== "starting") return; // stopped while probing

    setProcessTitle(`${this.cfg.process_name}: arbiter`);
    setRelay(this.relay);
    setDataStore(this.cfg.data_store);
    setRuntime({
      self: "arbiter",
      request: async (to, cmd, args, timeout) =>
        this.route({ t: "req", id: 0, from: "arbiter", to, cmd, args, timeout }),
      notify: (to, cmd, args) => {
        Promise.resolve()
          .then(() => this.route({ t: "note", from: "arbiter", to, cmd, args }))
          .catch((err) => this.log.warn(`notify ${to}.${cmd}: ${(err as Error).message}`));
      },
    });
    // The control socket before the pid file: if another arbiter took it since the check above,
    // we leave with its pid file untouched.
    const sock = controlPath({ ...this.cfg, pid_file: pidFile });
    this.#control = await listenControl(sock, (cmd, args) =>
      Promise.resolve().then(() => this.actor.dispatch(cmd, args, "control")),
    );
    if (!this.#control) {
      if (pidFile || this.cfg.control_socket) throw new BootError(alreadyRunning(`on ${sock}`, pidFile));
      this.log.warn(`${sock} belongs to another running arbiter; use --pid-file to reach this one`);
    }
    if (this.state !== "starting") return this.#control?.close(); // stopped meanwhile
    if (pidFile) {
      this.cfg.pid_file = resolve(pidFile);
      writePidFile(this.cfg.pid_file);
    }

    if (!(await this.#booted(Promise.all(monitors.map((m) => m.start()))))) return;
    if (this.state !== "starting") return; // a signal came in while booting
    this.state = "running";
    this.actor.state = "running";
    this.#bye = true;
    for (const sig of this.#deferred.splice(0)) this.#enqueue(sig);
    if (this.cfg.reload) this.#watch();
    // The arbiter's when_ready, then each app's own (set in its code or its config file section).
    await runHook(this.hooks, "when_ready", this.log, [this]);
    for (const [, , hooks] of planned) await runHook(hooks, "when_ready", this.log, [this]);
    this.log.info(`arbiter ready (pid ${process.pid}) with ${[...this.monitors.keys()].join(", ") || "no apps"}`);
    tellLauncherReady();
  }

  /** Await a step of the boot; on a BootError log it, halt with its exit code and return false. */
  async #booted(step: Promise<unknown>): Promise<boolean> {
    try {
      await step;
      return true;
    } catch (err) {
      if (!(err instanceof BootError)) throw err; // a bad setting found by an app: exit 2
      const exit = ((err as BootError).details as { exit?: { code: number | null } } | undefined)?.exit;
      const code = exit?.code === EXIT.APP_LOAD_ERROR || exit?.code === EXIT.CONFIG ? exit.code : EXIT.BOOT_ERROR;
      this.log.error(`${(err as Error).message}; stopping (exit code ${code})`);
      await this.halt(code);
      return false;
    }
  }

  /** Deliver a request or notification to its target actor, wherever it runs. */
  route(msg: RequestMessage | NotifyMessage): unknown {
    const { to, cmd, args, from } = msg;
    if (to === "arbiter") return this.actor.dispatch(cmd, args, from);
    const monitor = this.monitors.get(to);
    if (monitor) return monitor.actor.dispatch(cmd, args, from);
    const worker = this.findWorker(to);
    if (!worker) throw new ActorNotFoundError(`no actor "${to}"`, { target: to });
    if (msg.t === "note") return worker.mailbox.notify(to, cmd, args);
    return worker.mailbox.request(to, cmd, args, msg.timeout);
  }

  findWorker(aid: string): WorkerHandle | undefined {
    for (const m of this.monitors.values()) {
      const w = m.workers.get(aid);
      if (w) return w;
    }
    return this.actors.get(aid);
  }

  #commands(): Record<string, Command> {
    return {
      spawn: (_ctx, options: SpawnOptions = {}) => this.spawnActor(options),
      kill_actor: (_ctx, aid: string) => this.killActor(aid),
      reload: () => this.reload(),
      ...lockCommands((aid) => this.findWorker(aid)?.mailbox.port),
      scale: (_ctx, n: number, app?: string) => {
        // Without --app, every app with a pool (one running inside the arbiter has none).
        const monitors = app ? [this.monitors.get(app)] : [...this.monitors.values()].filter((m) => !m.inline);
        if (monitors.some((m) => !m)) throw new ActorNotFoundError(`no app "${app}"`);
        if (monitors.length === 0) throw new ConfigError("no app has a pool to scale: they all run inside the arbiter");
        return Object.fromEntries(monitors.map((m) => [m?.name, m?.scale(n)]));
      },
    };
  }

  /** Start a free actor (not part of an app's pool). */
  async spawnActor(options: SpawnOptions): Promise<{ aid: string; name: string; pid: number }> {
    const kind = options.kind ?? "actor";
    if ((this.cfg.user || this.cfg.group) && (options.concurrency ?? "process") !== "process")
      throw new ConfigError(`with --user/--group, actors run as processes: ${options.concurrency} cannot switch users`);
    const aid = `${kind}-${crypto.randomUUID().slice(0, 8)}`;
    const handle = new WorkerHandle({
      identity: {
        aid,
        name: options.name ?? aid,
        kind: "actor",
        actor: options.kind,
        index: 0,
        concurrency: options.concurrency ?? "process",
        cfg: { timeout: 30, exit_timeout: 5, max_requests: 0 },
        params: options.params,
      },
      global: this.cfg,
      route: (msg) => this.route(msg),
      pubsub: (msg, w) => this.relay.handle(msg, w.aid, w.mailbox.port),
    });
    this.actors.set(aid, handle);
    handle.exited.then(() => this.actors.delete(aid));
    await handle.ready;
    return { aid, name: handle.name, pid: handle.pid };
  }

  /** Stop an actor: gracefully, then by force after its exit_timeout. */
  async killActor(aid: string): Promise<string> {
    const w = this.findWorker(aid);
    if (!w) throw new ActorNotFoundError(`no actor "${aid}"`, { target: aid });
    const monitor = [...this.monitors.values()].find((m) => m.workers.has(aid));
    if (monitor) monitor.stopWorker(w);
    else {
      w.stopRequested = true;
      w.mailbox.notify(aid, "stop");
      setTimeout(() => w.kill("SIGKILL"), 5000).unref();
    }
    await w.exited;
    return `killed ${aid}`;
  }

  /** HUP: roll every app's workers. */
  async reload(): Promise<string> {
    await Promise.all([...this.monitors.values()].map((m) => m.reload()));
    return "reloaded";
  }

  /** The whole tree: the arbiter, its monitors and their workers, and spawned actors. */
  async info(): Promise<Record<string, unknown>> {
    const monitors = await Promise.all([...this.monitors.values()].map((m) => m.info()));
    const actors = [...this.actors.values()].map((w) => ({
      aid: w.aid,
      name: w.name,
      state: w.state,
      pid: w.pid,
      uptime: Math.round((Date.now() - w.startedAt) / 100) / 10,
      memory: w.stats?.rss ?? null,
    }));
    return { ...this.actor.describe(), monitors, actors };
  }

  /** Stop everything gracefully, then exit with `code` (unless started with `exit: false`). */
  stop(code: number = EXIT.OK): Promise<void> {
    this.#stopping ??= (async () => {
      this.#bye = true;
      this.state = "stopping";
      this.actor.state = "stopping";
      this.log.info("stopping");
      await Promise.all([
        ...[...this.monitors.values()].map((m) => m.stop()),
        ...[...this.actors.keys()].map((aid) => this.killActor(aid).catch(() => {})),
      ]);
      for (const m of this.monitors.values()) await runHook(m.hooks, "when_exit", this.log, [this]);
      await runHook(this.hooks, "when_exit", this.log, [this]);
      await this.#finishWith(code);
    })();
    return this.#stopping;
  }

  /** Stop at once: kill every worker, clean up, exit with `code`. */
  async halt(code: number): Promise<void> {
    this.state = "stopping";
    for (const m of this.monitors.values()) m.halt();
    for (const w of this.actors.values()) w.kill("SIGKILL");
    await this.#finishWith(code);
  }

  /** A worker failed to boot where nobody awaited it: stop, with its code. */
  fail(code: number, reason: string): void {
    this.log.error(`${reason}; stopping (exit code ${code})`);
    this.halt(code);
  }

  async #finishWith(code: number): Promise<void> {
    this.#control?.close();
    this.#watcher?.close();
    if (this.cfg?.pid_file) removePidFile(this.cfg.pid_file);
    for (const [sig, fn] of this.#listeners) process.off(sig, fn);
    this.state = "closed";
    this.actor.state = "closed";
    setRuntime(null);
    setRelay(null);
    if (this.#bye) this.log.info(`Bye (exit code ${code})`);
    this.#finish(code);
    if (this.#exitProcess) process.exit(code);
  }

  #installSignals(): void {
    for (const sig of SIGNALS) {
      const fn = () => this.#enqueue(sig);
      process.on(sig, fn);
      this.#listeners.push([sig, fn]);
    }
  }

  /** Signal handlers only enqueue; the queue is handled on the next turn. */
  #enqueue(sig: SignalName): void {
    this.#signals.push(sig);
    setImmediate(() => this.#handleSignals());
  }

  #handleSignals(): void {
    for (let sig = this.#signals.shift(); sig; sig = this.#signals.shift()) {
      const again = this.#lastSignal === sig;
      this.#lastSignal = sig;
      switch (sig) {
        case "SIGINT":
          if (again && this.#stopping) {
            this.log.warn("second interrupt: stopping now");
            this.halt(EXIT.ERROR);
          } else this.stop();
          break;
        case "SIGTERM":
        case "SIGQUIT":
        case "SIGABRT": // the original pulsar stopped gracefully on ABRT
          this.stop();
          break;
        case "SIGUSR1":
          this.log.info("USR1: no log file to reopen: pulsar logs to stdout and stderr (rotate with copytruncate)");
          break;
        case "SIGUSR2":
          this.log.warn(
            "USR2: upgrading the binary on the fly is not supported; HUP (or pulsar reload) reloads the workers",
          );
          break;
        case "SIGHUP":
          if (this.state === "running") this.reload();
          else if (this.state === "starting") this.#deferred.push(sig);
          break;
        case "SIGTTIN":
        case "SIGTTOU":
          for (const m of this.monitors.values()) m.step(sig === "SIGTTIN" ? 1 : -1);
          break;
      }
    }
  }

  /** `--reload`: roll the workers when a file changes in the script's folder. */
  #watch(): void {
    const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN");
    const dir = process.env.PULSAR_WATCH_DIR || (compiled ? "" : dirname(Bun.main));
    if (!dir) {
      this.log.warn("--reload has no script folder to watch (use pulsar serve <file>)");
      return;
    }
    let timer: Timer | undefined;
    this.#watcher = watch(resolve(dir), { recursive: true }, (_event, file) => {
      if (!file || /(^|\/)(node_modules|\.git|dist)\//.test(`${file}`) || /\.(sock|pid|log)$/.test(`${file}`)) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.log.info(`${file} changed; reloading`);
        this.reload();
      }, 200);
    });
    this.log.info(`watching ${resolve(dir)} for changes`);
  }

  /** The pid file this arbiter writes, as given ("" for none); a daemon always has one. */
  #pidFile(): string {
    const given = this.cfg.pid_file || process.env.PULSAR_PID_FILE || "";
    return given || (this.cfg.daemon ? daemonPidFile(this.cfg) : "");
  }

  /**
   * Another live arbiter behind our pid file, or on the control socket beside it: refuse to start,
   * before anything binds or spawns and before --daemon detaches (as gunicorn does). Taking them
   * over would leave it running but unreachable, and `pulsar stop -p` would stop it instead of us.
   * A stale pid file (its process is gone) is replaced as usual.
   */
  async #refuseSecondArbiter(pidFile: string): Promise<void> {
    const pid = pidFile ? runningArbiter(resolve(pidFile)) : 0;
    if (pid) throw new BootError(alreadyRunning(`as pid ${pid}`, pidFile));
    if (!pidFile && !this.cfg.control_socket) return; // the shared default socket: warned about later
    const sock = controlPath({ ...this.cfg, pid_file: pidFile });
    if (await controlAnswers(sock)) throw new BootError(alreadyRunning(`on ${sock}`, pidFile));
  }
}

/** The one line of a refused second arbiter. */
function alreadyRunning(where: string, pidFile: string): string {
  const file = pidFile ? ` (pid file ${pidFile})` : "";
  return `already running ${where}${file}; stop it first, or use another ${pidFile ? "--pid-file" : "--control-socket"}`;
}

function pickHooks(obj: Record<string, unknown>): Hooks {
  const hooks: Hooks = {};
  for (const [k, v] of Object.entries(obj)) if (typeof v === "function") (hooks as Record<string, unknown>)[k] = v;
  return hooks;
}

let singleton: Arbiter | null = null;

/**
 * The arbiter of this program (created on first call).
 * @example
 * arbiter({ when_ready: async () => console.log(await send("arbiter", "ping")) }).start();
 */
export function arbiter(options?: ArbiterOptions): Arbiter {
  if (!singleton || singleton.state === "closed") singleton = new Arbiter(options);
  else if (options) Object.assign(singleton.options, options);
  return singleton;
}

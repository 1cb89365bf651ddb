/**
 * The worker's side: what a spawned process, thread or inline actor runs.
 * It builds the app's body, says `ready`, heartbeats with its stats, answers
 * commands, and on `stop` (or SIGTERM) drains within exit_timeout and exits.
 * If the arbiter goes away (even by SIGKILL) the channel closes and the
 * worker exits within two seconds: no orphans.
 */
import { type Hooks, runHook } from "../config/hooks.ts";
import type { AppSettings, GlobalSettings } from "../config/resolve.ts";
import { EXIT, PulsarError } from "../errors.ts";
import { Mailbox } from "../ipc/mailbox.ts";
import { Port } from "../ipc/port.ts";
import { IDENTITY_ENV, type Identity, type Message } from "../ipc/protocol.ts";
import { setLogLevel } from "../log/logger.ts";
import { ArbiterLink, setLink } from "../pubsub/link.ts";
import { setDataStore } from "../pubsub/store.ts";
import { Actor } from "./actor.ts";
import { getActorKind } from "./actor-kinds.ts";
import type { Application, WorkerBody } from "./application.ts";
import { installCommands } from "./commands.ts";
import { dropPrivileges } from "./credentials.ts";
import { setProcessTitle } from "./proctitle.ts";
import { type Runtime, setRuntime, withRuntime } from "./runtime.ts";

/** Where the worker runs and how it leaves. */
export interface WorkerHost {
  kind: "process" | "thread" | "inline";
  port: Port;
  exit(code: number): void;
}

/** The identity of this process or thread, if it was spawned as a worker (in its env, for both). */
export function readIdentity(): Identity | null {
  const raw = process.env[IDENTITY_ENV];
  return raw ? (JSON.parse(raw) as Identity) : null;
}

// A Bun Worker's global scope; node:worker_threads would cost every worker ~5 MB of RSS.
declare const self: {
  postMessage(msg: unknown): void;
  addEventListener(type: string, fn: (e: MessageEvent) => void): void;
};

/** The host of a spawned process or thread, wired to its parent. */
export function hostFromParent(): WorkerHost {
  if (!Bun.isMainThread) {
    delete process.env[IDENTITY_ENV];
    const port = new Port((msg) => self.postMessage(msg));
    self.addEventListener("message", (e) => port.receive(e.data as Message));
    // A thread dies with its process: there is no orphan to guard against.
    return { kind: "thread", port, exit: (code) => process.exit(code) };
  }
  // Never let a tool this worker spawns think it is a worker too (no child storms),
  // nor inherit our IPC fd (oven-sh/bun#41739).
  delete process.env[IDENTITY_ENV];
  delete process.env.NODE_CHANNEL_FD;
  if (typeof process.send !== "function") {
    console.error(`pulsar: ${IDENTITY_ENV} is set but there is no IPC channel; refusing to run as a worker`);
    process.exit(EXIT.BOOT_ERROR);
  }
  const port = new Port((msg) => process.send?.(msg));
  process.on("message", (msg) => port.receive(msg as Message));
  process.on("disconnect", () => port.markClosed());
  // Belt and braces: if we are re-parented, the arbiter is gone.
  const ppid = process.ppid;
  setInterval(() => process.ppid !== ppid && port.markClosed(), 500).unref();
  return { kind: "process", port, exit: (code) => process.exit(code) };
}

/** Run the worker described by `identity`, for `app` (or a spawned actor kind). */
export async function runWorker(
  identity: Identity,
  host: WorkerHost,
  app: Application | undefined,
  global: GlobalSettings,
  hooks: Hooks,
): Promise<void> {
  const cfg = identity.cfg as AppSettings;
  const kind = identity.kind === "actor" ? getActorKind(identity.actor) : undefined;
  let body: WorkerBody | undefined;
  let stopping: Promise<void> | null = null;
  let beat: Timer | undefined;

  const actor: Actor = new Actor(identity.aid, identity.name, cfg, {
    info: () => describe(),
    stop: () => stop(),
    configSet: (name, value) => name === "log_level" && setLogLevel(String(value)),
  });
  const info = (): Record<string, unknown> | undefined => (hooks.worker_info ? safeInfo() : undefined);
  const safeInfo = (): Record<string, unknown> | undefined => {
    try {
      return hooks.worker_info?.(actor) as Record<string, unknown> | undefined;
    } catch (err) {
      actor.log.error(`hook worker_info failed: ${(err as Error).message}`);
      return undefined;
    }
  };
  // What the worker_info hook returns goes under `extra`, beside what the app keeps in
  // actor.extra: the one place `pulsar info` (its EXTRA column) and the heartbeats look.
  const extra = (): Record<string, unknown> => ({ ...actor.extra, ...(info() ?? {}) });
  const describe = (): Record<string, unknown> => {
    const more = extra();
    return { ...actor.describe(), ...(Object.keys(more).length ? { extra: more } : {}) };
  };
  installCommands(actor, kind ? kind.commands : app?.options.commands);
  const mailbox = new Mailbox(
    host.port,
    actor.aid,
    (msg) => withRuntime(runtime, () => actor.dispatch(msg.cmd, msg.args, msg.from)),
    (msg) => msg.t === "msg" && link?.receive(msg),
  );
  // Pub/sub through the arbiter: a process or thread worker's own link. An inline
  // worker shares the arbiter's process and joins its relay directly.
  const link = host.kind === "inline" ? null : new ArbiterLink(mailbox);
  const runtime: Runtime = {
    self: actor.aid,
    request: (to, cmd, args, timeout) =>
      to === actor.aid
        ? Promise.resolve().then(() => actor.dispatch(cmd, args, to))
        : mailbox.request(to, cmd, args, timeout),
    notify: (to, cmd, args) => mailbox.notify(to, cmd, args),
  };

  if (host.kind !== "inline") {
    setRuntime(runtime);
    setLink(link);
    setDataStore(global.data_store);
    setLogLevel(global.debug ? "debug" : global.log_level);
    setProcessTitle(`${global.process_name}: ${identity.name}`, host.kind === "thread");
  }
  if (host.kind === "process") {
    // Ctrl-C reaches the whole process group: the arbiter decides, not us. So may logrotate's
    // USR1 (and a stray USR2), which would otherwise kill every worker at once.
    for (const sig of ["SIGINT", "SIGHUP", "SIGTTIN", "SIGTTOU", "SIGUSR1", "SIGUSR2"] as const)
      process.on(sig, () => {});
    for (const sig of ["SIGTERM", "SIGQUIT", "SIGABRT"] as const) process.on(sig, () => stop());
  }

  const graceMs = Math.max(0, cfg.exit_timeout ?? 5) * 1000;
  const stop = (limitMs = graceMs): Promise<void> => {
    stopping ??= (async () => {
      actor.log.debug(`stopping (state ${actor.state})`);
      actor.state = "stopping";
      clearInterval(beat);
      await runHook(hooks, "worker_stopping", actor.log, [actor], limitMs);
      await within(limitMs, Promise.resolve(body?.stop(limitMs)));
      if (kind?.stop) await within(limitMs, Promise.resolve(kind.stop(actor)));
      actor.state = "closed";
      host.exit(EXIT.OK);
    })();
    return stopping;
  };
  host.port.onClose(() => {
    if (stopping) return;
    actor.log.warn("the arbiter is gone; exiting");
    stop(Math.min(graceMs, 1000));
  });

  actor.state = "starting";
  try {
    if (kind) {
      await withRuntime(runtime, () => kind.start?.(actor, identity.params));
      body = { stop() {} };
    } else {
      if (!app) throw new PulsarError("E_BOOT", `no app "${identity.app}" in this program`);
      body = await withRuntime(runtime, () => app.serve(actor, cfg, global));
    }
    // Every kind of app has bound its listeners by now: drop root before serving anything
    // (and before worker_start runs user code). The arbiter allowed it for processes only.
    if (host.kind === "process") {
      const creds = dropPrivileges(global.user ?? "", global.group ?? "");
      if (creds) actor.log.debug(`running as uid ${creds.uid}, gid ${creds.gid}`);
    }
    await runHook(hooks, "worker_start", actor.log, [actor]);
  } catch (err) {
    const data = PulsarError.toData(err);
    const code =
      data.code === "E_APP_LOAD" ? EXIT.APP_LOAD_ERROR : data.code === "E_CONFIG" ? EXIT.CONFIG : EXIT.BOOT_ERROR;
    actor.log.error(`${identity.name} failed to boot: ${data.message}`);
    mailbox.post({ t: "boot_error", error: data });
    actor.state = "closed";
    host.exit(code);
    return;
  }
  if (stopping) return;

  actor.state = "running";
  if (cfg.max_requests > 0) {
    actor.maxRequests = cfg.max_requests + Math.floor(Math.random() * ((cfg.max_requests_jitter ?? 0) + 1));
    actor.recycle = () => {
      actor.log.info(`served ${actor.requests} requests (max_requests); asking for a replacement`);
      mailbox.notify(identity.app ?? "arbiter", "recycle", [actor.aid]);
    };
  }
  mailbox.post({ t: "ready", aid: actor.aid, pid: process.pid, info: body.ready ?? {} });
  const every = Math.max(0.3 * (cfg.timeout ?? 30), 1) * 1000;
  const stats = () => ({
    pid: process.pid,
    rss: process.memoryUsage.rss(),
    uptime: actor.uptime,
    requests: actor.requests,
    connections: actor.connections,
    extra: extra(),
  });
  beat = setInterval(() => mailbox.post({ t: "beat", stats: stats() }), every);
  if (host.kind === "inline") beat.unref();
}

/** Resolve when `p` settles or after `ms`, whichever comes first; never throws. */
async function within(ms: number, p: Promise<unknown>): Promise<void> {
  let timer: Timer | undefined;
  await Promise.race([p.catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

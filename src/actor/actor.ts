/**
 * An Actor: an identity (aid, name), a state, a command table and a mailbox.
 * The arbiter, each monitor and each worker is one. Commands are plain
 * functions `(ctx, ...args)`; built-ins come from commands.ts.
 */
import { CommandNotFoundError } from "../errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";

export type ActorState = "initial" | "starting" | "running" | "stopping" | "closed";

/** What a command receives besides its arguments. */
export interface CommandContext {
  /** The actor running the command. */
  actor: Actor;
  /** The aid of the caller. */
  sender: string;
}

/** A command: `(ctx, ...args) => result`, sync or async. */
// biome-ignore lint/suspicious/noExplicitAny: commands take whatever the caller sends
export type Command = (ctx: CommandContext, ...args: any[]) => unknown;

/** The parts of an actor that its owner (arbiter, monitor, worker) provides. */
export interface ActorHooks {
  info?: () => unknown;
  stop?: () => unknown;
  configSet?: (name: string, value: unknown) => unknown;
}

export class Actor {
  state: ActorState = "initial";
  readonly started = Date.now();
  readonly log: Logger;
  readonly commands = new Map<string, Command>();
  requests = 0;
  connections = 0;
  /** Requests after which the worker asks to be recycled (0: never). */
  maxRequests = 0;
  /** Called once when `maxRequests` is reached. */
  recycle: () => void = () => {};
  /** Extra fields for `info`, set by the app (a philosopher's meal count…). */
  extra: Record<string, unknown> = {};

  constructor(
    readonly aid: string,
    readonly name: string,
    readonly cfg: Record<string, unknown>,
    readonly hooks: ActorHooks = {},
    readonly pid = process.pid,
  ) {
    this.log = createLogger(`${name}:${pid}`);
  }

  /** Count one request; the hot path of every server, so it stays this small. */
  countRequest(): void {
    if (++this.requests === this.maxRequests) this.recycle();
  }

  /** Seconds since the actor was created. */
  get uptime(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** Run command `cmd`, or throw a coded error naming what is missing. */
  dispatch(cmd: string, args: unknown[], sender: string): unknown {
    const fn = this.commands.get(cmd);
    if (!fn) throw new CommandNotFoundError(`${this.name} has no command "${cmd}"`, { actor: this.aid, cmd });
    return fn({ actor: this, sender }, ...args);
  }

  /** The actor's own line in `info`. */
  describe(): Record<string, unknown> {
    const mem = process.memoryUsage();
    return {
      aid: this.aid,
      name: this.name,
      state: this.state,
      pid: this.pid,
      uptime: Math.round(this.uptime * 10) / 10,
      memory: mem.rss,
      requests: this.requests,
      connections: this.connections,
      ...(Object.keys(this.extra).length ? { extra: this.extra } : {}),
    };
  }
}

/** A short random aid, unique enough for one arbiter's tree. */
export function newAid(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

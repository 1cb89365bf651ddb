/**
 * The command registry. Built-ins every actor answers (`ping`, `echo`,
 * `info`, `stop`, `notify`, `config`, `run`) plus commands users define with
 * `defineCommand`. Since a worker re-runs its entry point, a command defined
 * at module level exists in every process.
 */

import { getSetting } from "../config/settings.ts";
import { parseValue } from "../config/values.ts";
import { ConfigError, FunctionNotFoundError } from "../errors.ts";
import type { Actor, Command } from "./actor.ts";

const userCommands = new Map<string, Command>();
// biome-ignore lint/suspicious/noExplicitAny: functions take whatever `run` passes
type Runnable = (actor: Actor, ...args: any[]) => unknown;
const functions = new Map<string, Runnable>();

/**
 * Register a command that every actor of this program answers.
 * @example
 * defineCommand("greet", (ctx, who) => `Hello ${who}, from ${ctx.actor.name}`);
 * await send(worker, "greet", "Ada");
 */
export function defineCommand(name: string, fn: Command): void {
  userCommands.set(name, fn);
}

/**
 * Register a function that `send(target, "run", name, ...args)` runs inside
 * the target actor (the original pickled the function; we name it).
 * @example
 * defineFunction("pid", (actor) => actor.pid);
 * await send(worker, "run", "pid");
 */
export function defineFunction(name: string, fn: Runnable): void {
  functions.set(name, fn);
}

const builtins: Record<string, Command> = {
  ping: () => "pong",
  echo: (_ctx, ...args) => (args.length === 1 ? args[0] : args),
  info: ({ actor }) => actor.hooks.info?.() ?? actor.describe(),
  stop: ({ actor }) => {
    // Answer first, then stop: the caller should not wait on its own answer.
    setTimeout(() => actor.hooks.stop?.(), 0);
    return "stopping";
  },
  notify: ({ actor }, info?: Record<string, unknown>) => {
    if (info && typeof info === "object") Object.assign(actor.extra, info);
    return null;
  },
  config: ({ actor }, op: string, name: string, value?: unknown) => {
    const setting = getSetting(name);
    if (op === "get") {
      if (!(name in actor.cfg)) throw new ConfigError(`${actor.name} has no setting "${name}"`);
      return actor.cfg[name];
    }
    if (op === "set") {
      if (!setting || !(name in actor.cfg)) throw new ConfigError(`${actor.name} has no setting "${name}"`);
      const parsed = parseValue(setting, value, `config set ${name}`);
      actor.cfg[name] = parsed;
      actor.hooks.configSet?.(name, parsed);
      return parsed;
    }
    throw new ConfigError(`config takes "get" or "set", not ${JSON.stringify(op)}`);
  },
  run: ({ actor }, name: string, ...args) => {
    const fn = functions.get(name);
    if (!fn) throw new FunctionNotFoundError(`no function "${name}" is registered with defineFunction`);
    return fn(actor, ...args);
  },
};

/** Fill an actor's table: built-ins, then user commands, then the actor's own. */
export function installCommands(actor: Actor, own: Record<string, Command> = {}): void {
  for (const [name, fn] of Object.entries(builtins)) actor.commands.set(name, fn);
  for (const [name, fn] of userCommands) actor.commands.set(name, fn);
  for (const [name, fn] of Object.entries(own)) actor.commands.set(name, fn);
}

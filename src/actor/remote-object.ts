/**
 * Remote objects: an actor exposes an object's methods as one command, and
 * any other actor gets a proxy whose method calls become `send`s to it.
 * Arguments and results cross as data (JSON), and so do errors.
 */
import { CommandNotFoundError } from "../errors.ts";
import type { Command } from "./actor.ts";
import { send, type Target } from "./runtime.ts";

/** The command an exposed object answers to. */
export const CALL = "call";

/** What a remote object looks like from another actor: the same methods, each returning a promise. */
export type Remote<T> = {
  // biome-ignore lint/suspicious/noExplicitAny: any method signature maps to its promised form
  [K in keyof T as T[K] extends (...args: any[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/**
 * The commands that expose `obj`'s methods (give them to `defineActor` or an app's `commands`).
 * @example
 * defineActor("store", { commands: exposeObject(new Map()) });
 */
export function exposeObject(obj: object): Record<string, Command> {
  const methods = () => {
    const names = new Set<string>();
    for (let p: object | null = obj; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
      for (const name of Object.getOwnPropertyNames(p))
        if (name !== "constructor" && typeof (obj as Record<string, unknown>)[name] === "function") names.add(name);
    return [...names].sort();
  };
  return {
    [CALL]: (_ctx, method: string, ...args: unknown[]) => {
      const fn = typeof method === "string" && !method.startsWith("_") ? Reflect.get(obj, method) : undefined;
      if (typeof fn !== "function" || !methods().includes(method))
        throw new CommandNotFoundError(`the remote object has no method ${JSON.stringify(method)}`, { method });
      return fn.apply(obj, args);
    },
    methods,
  };
}

/**
 * A proxy on the object `target` exposes: `await store.get("k")` runs `get("k")` there.
 * @example
 * const store = remoteObject<KeyValue>(aid);
 * await store.set("apples", 3);
 */
export function remoteObject<T extends object>(target: Target): Remote<T> {
  return new Proxy({} as Remote<T>, {
    get(_t, name) {
      // Not a thenable: `await remoteObject(…)` must not call `then` remotely.
      if (typeof name !== "string" || name === "then") return undefined;
      return (...args: unknown[]) => send(target, CALL, name, ...args);
    },
  });
}

/**
 * Kinds of actors that `spawn` can start. A spawned process re-runs the
 * entry point, so the behaviour must be registered by name at module level;
 * the child finds it by the kind named in its identity.
 */
import type { Actor, Command } from "./actor.ts";

export interface ActorKind {
  /** Runs once the actor starts; `params` are those given to `spawn`. */
  start?: (actor: Actor, params: unknown) => unknown;
  /** Runs when the actor stops. */
  stop?: (actor: Actor) => unknown;
  /** Commands this kind answers, besides the built-ins. */
  commands?: Record<string, Command>;
}

const kinds = new Map<string, ActorKind>();

/**
 * Register a kind of actor for `spawn({ kind })`.
 * @example
 * defineActor("counter", { commands: { incr: ({ actor }) => ++(actor.extra.n as number) } });
 * const c = await spawn({ kind: "counter" });
 */
export function defineActor(kind: string, def: ActorKind): void {
  kinds.set(kind, def);
}

export function getActorKind(kind: string | undefined): ActorKind {
  return (kind && kinds.get(kind)) || {};
}

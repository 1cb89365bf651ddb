/**
 * The arbiter's lock commands for the embedded default: `lock_acquire` and
 * `lock_release`, sent by workers through `acquire`. The table is the
 * arbiter's own; a worker whose channel closes (it exited, or was killed)
 * loses its locks and its place in the queues.
 */
import type { Command } from "../actor/actor.ts";
import type { Port } from "../ipc/port.ts";
import { localLocks } from "./lock-table.ts";

/** `portOf(aid)` finds the channel of the worker `aid`, to learn when it goes. */
export function lockCommands(portOf: (aid: string) => Port | undefined): Record<string, Command> {
  const watched = new Set<string>();
  const watch = (aid: string) => {
    if (watched.has(aid)) return;
    const port = portOf(aid);
    if (!port) return;
    watched.add(aid);
    port.onClose(() => {
      watched.delete(aid);
      localLocks().dropOwner(aid);
    });
  };
  return {
    lock_acquire: ({ sender }, name: string, token: string, timeout: number) => {
      watch(sender);
      return localLocks().acquire(String(name), String(token), sender, timeout < 0 ? Infinity : Number(timeout));
    },
    lock_release: (_ctx, name: string, token: string) => localLocks().release(String(name), String(token)),
  };
}

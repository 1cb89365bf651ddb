/**
 * Named locks held in one process: the `local` backend's, and the arbiter's
 * for the embedded default (workers ask it with `lock_acquire`). Waiters are
 * served first come, first served; an owner that goes away (a worker that
 * exits) loses its locks and its place in the queues.
 */

interface Waiter {
  token: string;
  owner: string;
  grant: (ok: boolean) => void;
  timer?: Timer;
}

export class LockTable {
  readonly #held = new Map<string, { token: string; owner: string }>();
  readonly #queues = new Map<string, Waiter[]>();

  /** Resolve true once `name` is ours (under `token`), or false after `timeoutMs`. */
  acquire(name: string, token: string, owner: string, timeoutMs: number): Promise<boolean> {
    if (!this.#held.has(name)) {
      this.#held.set(name, { token, owner });
      return Promise.resolve(true);
    }
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const w: Waiter = { token, owner, grant: resolve };
      if (Number.isFinite(timeoutMs))
        w.timer = setTimeout(() => {
          this.#remove(name, w);
          resolve(false);
        }, timeoutMs);
      const q = this.#queues.get(name);
      if (q) q.push(w);
      else this.#queues.set(name, [w]);
    });
  }

  /** Release `name` if `token` holds it; the next waiter gets it. */
  release(name: string, token: string): boolean {
    if (this.#held.get(name)?.token !== token) return false;
    this.#held.delete(name);
    const q = this.#queues.get(name);
    const next = q?.shift();
    if (q && !q.length) this.#queues.delete(name);
    if (next) {
      clearTimeout(next.timer);
      this.#held.set(name, { token: next.token, owner: next.owner });
      next.grant(true);
    }
    return true;
  }

  /** The owner is gone: release what it holds and drop its waits. */
  dropOwner(owner: string): void {
    for (const [name, q] of this.#queues) {
      for (const w of q.filter((x) => x.owner === owner)) {
        clearTimeout(w.timer);
        this.#remove(name, w);
        w.grant(false);
      }
    }
    for (const [name, h] of [...this.#held]) if (h.owner === owner) this.release(name, h.token);
  }

  /** Who holds `name`, if anyone. */
  holder(name: string): string | undefined {
    return this.#held.get(name)?.owner;
  }

  #remove(name: string, w: Waiter): void {
    const q = this.#queues.get(name);
    if (!q) return;
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    if (!q.length) this.#queues.delete(name);
  }
}

let table: LockTable | null = null;

/** The lock table of this process (the arbiter's, in the arbiter). */
export function localLocks(): LockTable {
  table ??= new LockTable();
  return table;
}

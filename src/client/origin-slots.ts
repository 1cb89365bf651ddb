/**
 * The session's cap on requests in flight per origin (scheme, host, port), as
 * the original's `pool_size`: past the cap, requests wait their turn in order,
 * and one whose signal fires while it waits leaves the line with that reason.
 */

interface Waiter {
  grant(): void;
  onAbort(): void;
}

interface Line {
  active: number;
  waiting: Waiter[];
}

/**
 * Slots per origin. `acquire` resolves to a `release` function (safe to call twice).
 * @example
 * const slots = new OriginSlots(4);
 * const release = await slots.acquire(url.origin, signal);
 * try { await fetch(url) } finally { release() }
 */
export class OriginSlots {
  readonly size: number;
  #lines = new Map<string, Line>();

  /** `size`: slots per origin; Infinity for no cap. */
  constructor(size: number) {
    this.size = size;
  }

  /** Wait for a slot for `origin`; rejects with `signal.reason` if it fires first. */
  acquire(origin: string, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let line = this.#lines.get(origin);
    if (!line) {
      line = { active: 0, waiting: [] };
      this.#lines.set(origin, line);
    }
    if (line.active < this.size) {
      line.active++;
      return Promise.resolve(this.#releaser(origin, line));
    }
    const { promise, resolve, reject } = Promise.withResolvers<() => void>();
    const current = line;
    const waiter: Waiter = {
      grant: () => {
        signal.removeEventListener("abort", waiter.onAbort);
        resolve(this.#releaser(origin, current));
      },
      onAbort: () => {
        const at = current.waiting.indexOf(waiter);
        if (at >= 0) current.waiting.splice(at, 1);
        this.#forget(origin, current);
        reject(signal.reason);
      },
    };
    signal.addEventListener("abort", waiter.onAbort, { once: true });
    line.waiting.push(waiter);
    return promise;
  }

  #releaser(origin: string, line: Line): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next in line, so `active` stays the same.
      const next = line.waiting.shift();
      if (next) next.grant();
      else {
        line.active--;
        this.#forget(origin, line);
      }
    };
  }

  #forget(origin: string, line: Line): void {
    if (line.active === 0 && line.waiting.length === 0 && this.#lines.get(origin) === line) this.#lines.delete(origin);
  }
}

/**
 * Reverse-proxy upstreams: round robin over the healthy ones. An upstream
 * that refuses a connection is skipped for `retryMs`, then tried again; when
 * all are down the least recently failed is tried rather than none.
 */

export interface Upstream {
  url: URL;
  /** Epoch ms until which it is skipped. */
  downUntil: number;
}

/**
 * @example const pool = new Upstreams(["http://127.0.0.1:9001", "http://127.0.0.1:9002"]); pool.next()
 */
export class Upstreams {
  readonly all: Upstream[];
  #i = 0;

  constructor(
    urls: string[],
    private readonly retryMs = 5000,
  ) {
    this.all = urls.map((u) => ({ url: new URL(u), downUntil: 0 }));
  }

  get size(): number {
    return this.all.length;
  }

  /** The next upstream in turn that is not marked down. */
  next(now = Date.now()): Upstream {
    const n = this.all.length;
    for (let k = 0; k < n; k++) {
      const u = this.all[(this.#i + k) % n] as Upstream;
      if (u.downUntil <= now) {
        this.#i = (this.#i + k + 1) % n;
        return u;
      }
    }
    const soonest = this.all.reduce((a, b) => (b.downUntil < a.downUntil ? b : a));
    this.#i = (this.all.indexOf(soonest) + 1) % n;
    return soonest;
  }

  /** It refused or failed to connect: skip it for a while. */
  markDown(u: Upstream, now = Date.now()): void {
    u.downUntil = now + this.retryMs;
  }
}

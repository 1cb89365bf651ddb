/**
 * The dining philosophers, as in the original: each worker is a philosopher
 * at a round table of `workers` seats. The forks are held by the monitor (in
 * the arbiter) and taken through commands; a philosopher eats only with both
 * forks, and `info` shows how many meals each has had.
 *
 * Seats and forks are leases: a philosopher that dies (even by SIGKILL)
 * holding a fork loses it after LEASE_MS, so the table never deadlocks.
 */
import { Application, type AppOptions } from "../../src/actor/application.ts";
import { notify, send } from "../../src/actor/runtime.ts";
import { defineSetting } from "../../src/config/settings.ts";

defineSetting({
  name: "eating_period",
  type: "number",
  min: 0,
  default: 2,
  scope: "app",
  section: "philosophers",
  app: "philosophers",
  help: "Mean seconds a philosopher eats.",
});
defineSetting({
  name: "waiting_period",
  type: "number",
  min: 0,
  default: 2,
  scope: "app",
  section: "philosophers",
  app: "philosophers",
  help: "Mean seconds a philosopher waits for a second fork.",
});

const LEASE_MS = 15_000;

interface Lease {
  aid: string;
  seen: number;
}

/** The `philosophers` app: `pulsar run philosophers`. */
export function philosophers(options: AppOptions = {}): Application {
  // Monitor side (arbiter process): who sits where, who holds which fork.
  const seats = new Map<number, Lease>();
  const forks = new Map<number, Lease>();
  const valid = (l: Lease | undefined, aid: string) => l && l.aid !== aid && Date.now() - l.seen < LEASE_MS;

  const app = new Application({
    name: "philosophers",
    ...options,
    monitorCommands: {
      take_seat: ({ sender }, n: number) => {
        for (let i = 1; i <= n; i++) {
          if (!valid(seats.get(i), sender)) {
            seats.set(i, { aid: sender, seen: Date.now() });
            return i;
          }
        }
        return 0;
      },
      leave_seat: ({ sender }, seat: number) => {
        if (seats.get(seat)?.aid === sender) seats.delete(seat);
        for (const [fork, l] of forks) if (l.aid === sender) forks.delete(fork);
      },
      pickup_fork: ({ sender }, fork: number, seat: number) => {
        const s = seats.get(seat);
        if (s?.aid === sender) s.seen = Date.now();
        if (valid(forks.get(fork), sender)) return false;
        forks.set(fork, { aid: sender, seen: Date.now() });
        return true;
      },
      putdown_fork: ({ sender }, fork: number) => {
        if (forks.get(fork)?.aid === sender) forks.delete(fork);
      },
    },
    serve: async (actor, cfg) => {
      const n = Math.max(cfg.workers, 1);
      const seat = (await send("philosophers", "take_seat", n)) as number;
      const [left, right] = [seat, (seat % n) + 1];
      const eat = Number(cfg.eating_period) * 1000;
      const wait = Number(cfg.waiting_period) * 1000;
      actor.extra = { number: seat, eaten: 0 };
      let running = true;
      let wake = () => {};
      // A nap that stop() cuts short, so a stopping philosopher leaves at once.
      const nap = (ms: number) =>
        new Promise<void>((resolve) => {
          if (!running) return resolve();
          const timer = setTimeout(resolve, Math.max(10, 2 * ms * Math.random()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      const dine = async () => {
        while (running) {
          if (await send("philosophers", "pickup_fork", left, seat)) {
            if (await send("philosophers", "pickup_fork", right, seat)) {
              (actor.extra.eaten as number)++;
              actor.log.info(`philosopher ${seat} eats (meal ${actor.extra.eaten})`);
              await nap(eat);
              notify("philosophers", "putdown_fork", right);
            }
            notify("philosophers", "putdown_fork", left);
          }
          await nap(wait);
        }
      };
      const dining = seat
        ? dine().catch((err) => running && actor.log.error(`philosopher ${seat}: ${err.message}`))
        : null;
      return {
        ready: { seat },
        async stop() {
          running = false;
          wake();
          notify("philosophers", "leave_seat", seat);
          await dining;
        },
      };
    },
  });
  app.defaults = { workers: 5 };
  return app;
}

/**
 * Two actors messaging each other: the arbiter spawns "ping" and "pong"
 * (each its own process by default) and tells ping to play `rounds` rounds.
 * Ping sends `ping n` straight to pong's aid (routed by the arbiter) and pong
 * answers `pong n`; ping returns the transcript, which the arbiter prints.
 *   pulsar run ping-pong --rounds 5
 */

import { defineActor } from "../../src/actor/actor-kinds.ts";
import { Application, type AppOptions } from "../../src/actor/application.ts";
import type { Arbiter } from "../../src/actor/arbiter.ts";
import { send, spawn } from "../../src/actor/runtime.ts";
import { defineSetting } from "../../src/config/settings.ts";

defineSetting({
  name: "rounds",
  type: "int",
  min: 1,
  default: 3,
  scope: "app",
  section: "ping-pong",
  app: "ping-pong",
  help: "Round trips between the two actors before the program stops.",
});

defineActor("player", {
  commands: {
    ping: ({ actor }, n: number) => `pong ${n} (from ${actor.name}, pid ${process.pid})`,
    play: async ({ actor }, other: string, rounds: number) => {
      const lines: string[] = [];
      for (let n = 1; n <= rounds; n++) {
        lines.push(`${actor.name} (pid ${process.pid}) sends ping ${n}`);
        lines.push(String(await send(other, "ping", n)));
      }
      return lines;
    },
  },
});

/** The `ping-pong` app: `pulsar run ping-pong`. */
export function pingPong(options: AppOptions = {}): Application {
  const app = new Application({
    name: "ping-pong",
    ...options,
    async when_ready(arb: Arbiter) {
      const cfg = arb.monitors.get("ping-pong")?.cfg;
      const [ping, pong] = await Promise.all([
        spawn({ kind: "player", name: "ping" }),
        spawn({ kind: "player", name: "pong" }),
      ]);
      const started = performance.now();
      const lines = (await send(ping, "play", pong.aid, Number(cfg?.rounds ?? 3))) as string[];
      for (const line of lines) console.log(line);
      console.log(`${lines.length / 2} round trips in ${(performance.now() - started).toFixed(1)} ms`);
      await arb.stop();
    },
  });
  app.defaults = { workers: 0 };
  return app;
}

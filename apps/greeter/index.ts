/**
 * The original's greeter: a custom command, registered once at module level
 * (so every process of the program has it), called across processes. The
 * arbiter spawns a greeter actor, sends it "greet", prints the answer and stops.
 *   pulsar run greeter
 */
import { Application, type AppOptions } from "../../src/actor/application.ts";
import type { Arbiter } from "../../src/actor/arbiter.ts";
import { defineCommand } from "../../src/actor/commands.ts";
import { send, spawn } from "../../src/actor/runtime.ts";

defineCommand("greet", ({ actor }, who: string) => `Hello ${who}! from ${actor.name}, pid ${process.pid}`);

/** The `greeter` app: `pulsar run greeter`. */
export function greeter(options: AppOptions = {}): Application {
  const app = new Application({
    name: "greeter",
    ...options,
    async when_ready(arb: Arbiter) {
      const actor = await spawn({ name: "greeter" });
      console.log(await send(actor, "greet", "World"));
      console.log(`(the arbiter is pid ${process.pid})`);
      await arb.stop();
    },
  });
  // The app itself needs no worker of its own: one inline placeholder, in the arbiter.
  app.defaults = { workers: 0 };
  return app;
}

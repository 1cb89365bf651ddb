/**
 * A custom command, registered once and called across processes: the
 * arbiter spawns a greeter actor (a new process) and sends it "greet".
 *   bun examples/greeter.ts          (or: pulsar run greeter)
 */
import { arbiter, defineCommand, send, spawn } from "pulsar";

defineCommand("greet", ({ actor }, who: string) => `Hello ${who}! from ${actor.name}, pid ${process.pid}`);

arbiter({
  async when_ready(arb) {
    const greeter = await spawn({ name: "greeter" });
    console.log(await send(greeter, "greet", "World"));
    console.log(`(the arbiter is pid ${process.pid})`);
    await arb.stop();
  },
}).start();

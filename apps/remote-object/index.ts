/**
 * A remote object: the "store" actor exposes a key-value object's methods
 * (`exposeObject`), and the "client" actor calls them through
 * `remoteObject<Store>(aid)` as if the object were local. Each actor runs in
 * its own process; the arbiter prints what the client saw and stops.
 *   pulsar run remote-object
 */

import { defineActor } from "../../src/actor/actor-kinds.ts";
import { Application, type AppOptions } from "../../src/actor/application.ts";
import type { Arbiter } from "../../src/actor/arbiter.ts";
import { exposeObject, remoteObject } from "../../src/actor/remote-object.ts";
import { send, spawn } from "../../src/actor/runtime.ts";

/** The object the store actor holds: plain methods, nothing about actors. */
export class Store {
  readonly #data = new Map<string, number>();
  set(key: string, value: number): number {
    this.#data.set(key, value);
    return value;
  }
  get(key: string): number | null {
    return this.#data.get(key) ?? null;
  }
  incr(key: string, by = 1): number {
    return this.set(key, (this.#data.get(key) ?? 0) + by);
  }
  keys(): string[] {
    return [...this.#data.keys()].sort();
  }
  pid(): number {
    return process.pid;
  }
}

defineActor("store", { commands: exposeObject(new Store()) });

defineActor("client", {
  commands: {
    work: async (_ctx, storeAid: string) => {
      const store = remoteObject<Store>(storeAid);
      await store.set("apples", 3);
      await store.incr("apples", 2);
      await store.incr("pears");
      let missing = "";
      try {
        await (store as unknown as { explode(): Promise<void> }).explode();
      } catch (err) {
        missing = `${(err as { code?: string }).code}: ${(err as Error).message}`;
      }
      return {
        apples: await store.get("apples"),
        keys: await store.keys(),
        storePid: await store.pid(),
        clientPid: process.pid,
        missing,
      };
    },
  },
});

/** The `remote-object` app: `pulsar run remote-object`. */
export function remoteObjectApp(options: AppOptions = {}): Application {
  const app = new Application({
    name: "remote-object",
    ...options,
    async when_ready(arb: Arbiter) {
      const store = await spawn({ kind: "store", name: "store" });
      const client = await spawn({ kind: "client", name: "client" });
      const r = (await send(client, "work", store.aid)) as Record<string, unknown>;
      console.log(`client (pid ${r.clientPid}) called the store (pid ${r.storePid}) as a local object:`);
      console.log(`  store.get("apples") = ${r.apples}`);
      console.log(`  store.keys() = ${JSON.stringify(r.keys)}`);
      console.log(`  store.explode() failed with ${r.missing}`);
      await arb.stop();
    },
  });
  app.defaults = { workers: 0 };
  return app;
}

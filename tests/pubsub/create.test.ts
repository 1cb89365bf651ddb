/** Which backend createPubSub picks, and the data_store setting's check. */
import { describe, expect, it } from "bun:test";
import { getSetting } from "../../src/config/settings.ts";
import { parseValue } from "../../src/config/values.ts";
import { createPubSub, pickBackend, setDataStore } from "../../src/pubsub/create.ts";
import { Relay, setRelay } from "../../src/pubsub/relay.ts";

describe("createPubSub", () => {
  it("is local outside an arbiter, arbiter inside one, redis with a data store", async () => {
    expect(pickBackend()).toBe("local");
    const local = await createPubSub();
    expect(local.backend).toBe("local");
    await local.close();
    setRelay(new Relay());
    try {
      expect(pickBackend()).toBe("arbiter");
      const relayed = await createPubSub();
      expect(relayed.backend).toBe("arbiter");
      await relayed.close();
    } finally {
      setRelay(null);
    }
    setDataStore("redis://127.0.0.1:1/0");
    try {
      expect(pickBackend()).toBe("redis");
    } finally {
      setDataStore("");
    }
    expect(pickBackend({ backend: "local", url: "redis://x:1/0" })).toBe("local");
  });

  it("says E_PUBSUB_ARGUMENT for a backend it does not know, or the arbiter backend with no arbiter", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: a wrong backend on purpose
    await expect(createPubSub({ backend: "carrier-pigeon" as any })).rejects.toMatchObject({
      code: "E_PUBSUB_ARGUMENT",
    });
    await expect(createPubSub({ backend: "arbiter" })).rejects.toMatchObject({ code: "E_NOT_RUNNING" });
  });
});

describe("the data_store setting", () => {
  const setting = getSetting("data_store");
  if (!setting) throw new Error("no data_store setting");
  it("takes an empty value or a redis URL", () => {
    for (const ok of ["", "redis://127.0.0.1:6379/0", "rediss://u:p@host:6380/2", "redis://h:1"])
      expect(parseValue(setting, ok, "--data-store")).toBe(ok);
  });
  it("refuses anything else with E_CONFIG naming the setting", () => {
    for (const bad of ["http://h:1/0", "pulsar://127.0.0.1:6410", "redis://h:1/db", "localhost:6379"])
      expect(() => parseValue(setting, bad, "--data-store")).toThrow(/--data-store: data_store accepts empty/);
  });
});

/**
 * One pub/sub behaviour suite, run against every backend: two instances stand
 * for two workers (or two machines), and each message must reach each
 * subscriber exactly once, the publisher's own instance included.
 */
import { afterEach, describe, expect, it } from "bun:test";
import { type ChannelEvent, Channels } from "../../src/pubsub/channels.ts";
import type { PubSub } from "../../src/pubsub/hub.ts";
import { until } from "../helpers/proc.ts";

export interface Pair {
  a: PubSub;
  b: PubSub;
  close(): Promise<void>;
}

/** Collect what arrives on a channel. */
function inbox(ps: PubSub, channel: string) {
  const got: [string, string][] = [];
  const ready = ps.subscribe(channel, (m, c) => {
    got.push([m, c]);
  });
  return { got, ready, messages: () => got.map(([m]) => m) };
}

/** Publish a sentinel and wait for it everywhere: what came before it has arrived too. */
async function settle(pub: PubSub, boxes: { messages(): string[] }[], channel: string): Promise<void> {
  const mark = `sentinel-${Math.random()}`;
  await pub.publish(channel, mark);
  for (const b of boxes) await until(() => b.messages().includes(mark), 5000, `${mark} on ${channel}`);
}

export function pubsubSuite(name: string, makePair: () => Promise<Pair>): void {
  describe(`pub/sub (${name})`, () => {
    let pair: Pair | null = null;
    const open = async () => {
      pair = await makePair();
      return pair;
    };
    afterEach(async () => {
      await pair?.close();
      pair = null;
    });

    it("delivers each message once to every subscriber, the publisher's instance included", async () => {
      const { a, b } = await open();
      const onA = inbox(a, "news");
      const onB = inbox(b, "news");
      const onB2 = inbox(b, "news");
      await Promise.all([onA.ready, onB.ready, onB2.ready]);
      for (let i = 0; i < 50; i++) await (i % 2 ? a : b).publish("news", `m${i}`);
      await settle(a, [onA, onB, onB2], "news");
      const want = Array.from({ length: 50 }, (_, i) => `m${i}`);
      for (const box of [onA, onB, onB2]) expect(box.messages().filter((m) => m.startsWith("m"))).toEqual(want);
      expect(onA.got[0]?.[1]).toBe("news");
    });

    it("keeps the order of one publisher over a thousand messages", async () => {
      const { a, b } = await open();
      const onB = inbox(b, "seq");
      await onB.ready;
      const sent = Array.from({ length: 1000 }, (_, i) => String(i));
      await Promise.all(sent.map((m) => a.publish("seq", m)));
      await settle(a, [onB], "seq");
      expect(onB.messages().slice(0, 1000)).toEqual(sent);
      expect(onB.messages().length).toBe(1001);
    });

    it("matches patterns like chat.* and delivers once per subscription", async () => {
      const { a, b } = await open();
      const pattern = inbox(b, "chat.*");
      const exact = inbox(b, "chat.lobby");
      const other = inbox(b, "news.*");
      await Promise.all([pattern.ready, exact.ready, other.ready]);
      await a.publish("chat.lobby", "hi lobby");
      await a.publish("chat.kitchen", "hi kitchen");
      await a.publish("news.today", "extra");
      await settle(a, [pattern, exact], "chat.lobby");
      expect(pattern.got.filter(([m]) => m.startsWith("hi"))).toEqual([
        ["hi lobby", "chat.lobby"],
        ["hi kitchen", "chat.kitchen"],
      ]);
      expect(exact.messages().filter((m) => m.startsWith("hi"))).toEqual(["hi lobby"]);
      await settle(a, [other], "news.x");
      expect(other.messages()[0]).toBe("extra");
    });

    it("stops delivering after unsubscribe, and keeps the other handlers of the channel", async () => {
      const { a, b } = await open();
      const first: string[] = [];
      const second = inbox(b, "room");
      const sub = await b.subscribe("room", (m) => {
        first.push(m);
      });
      await second.ready;
      await a.publish("room", "one");
      await settle(a, [second], "room");
      await sub.unsubscribe();
      await a.publish("room", "two");
      await settle(a, [second], "room");
      expect(first.filter((m) => !m.startsWith("sentinel"))).toEqual(["one"]);
      expect(second.messages().filter((m) => !m.startsWith("sentinel"))).toEqual(["one", "two"]);
      await b.unsubscribe("room");
      expect(b.channels()).not.toContain("room");
    });

    it("sends anything but a string as its JSON", async () => {
      const { a, b } = await open();
      const box = inbox(b, "json");
      await box.ready;
      await a.publish("json", { n: 1, list: [true, null] });
      await a.publish("json", 42);
      await settle(a, [box], "json");
      expect(box.messages().slice(0, 2)).toEqual(['{"n":1,"list":[true,null]}', "42"]);
    });

    it("survives a handler that throws: the others still get the message", async () => {
      const { a, b } = await open();
      await b.subscribe("boom", () => {
        throw new Error("handler bug");
      });
      const box = inbox(b, "boom");
      await box.ready;
      await a.publish("boom", "still here");
      await settle(a, [box], "boom");
      expect(box.messages()[0]).toBe("still here");
    });

    it("refuses bad input with E_PUBSUB_ARGUMENT", async () => {
      const { a } = await open();
      await expect(a.publish("", "x")).rejects.toMatchObject({ code: "E_PUBSUB_ARGUMENT" });
      await expect(a.publish("c", undefined)).rejects.toMatchObject({ code: "E_PUBSUB_ARGUMENT" });
      // biome-ignore lint/suspicious/noExplicitAny: a wrong call on purpose
      await expect(a.subscribe(42 as any, () => {})).rejects.toMatchObject({ code: "E_PUBSUB_ARGUMENT" });
      // biome-ignore lint/suspicious/noExplicitAny: a wrong call on purpose
      await expect(a.subscribe("c", "nope" as any)).rejects.toMatchObject({ code: "E_PUBSUB_ARGUMENT" });
      await a.close();
      await expect(a.publish("c", "late")).rejects.toMatchObject({ code: "E_PUBSUB_ARGUMENT" });
    });

    it("carries namespaced Channels events to the handlers whose event pattern matches", async () => {
      const { a, b } = await open();
      const sender = new Channels(a, { namespace: "app" });
      const receiver = new Channels(b, { namespace: "app" });
      const users: ChannelEvent[] = [];
      const all: string[] = [];
      await receiver.register("users", "user.*", (e) => {
        users.push(e);
      });
      await receiver.register("users", "*", (e) => {
        all.push(e.event);
      });
      await sender.publish("users", "user.created", { id: 1 });
      await sender.publish("users", "group.created", { id: 2 });
      await until(() => all.length === 2, 5000, "both events");
      expect(users).toEqual([{ event: "user.created", channel: "users", data: { id: 1 } }]);
      expect(all).toEqual(["user.created", "group.created"]);
      await receiver.unregister("users", "user.*");
      await receiver.unregister("users", "*");
      expect(b.channels()).not.toContain("app.users");
      expect(() => sender.publish("", "x")).toThrow(/non-empty string/);
    });
  });
}

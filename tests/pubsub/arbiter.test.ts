/**
 * The arbiter backend: two workers' links wired to a relay over real mailboxes
 * and ports (the same code as between processes, minus the pipe). The
 * multi-process path is exercised end to end by the chat tests.
 */
import { describe, expect, it } from "bun:test";
import { Mailbox } from "../../src/ipc/mailbox.ts";
import { type Port, portPair } from "../../src/ipc/port.ts";
import { ArbiterPubSub } from "../../src/pubsub/arbiter.ts";
import { ArbiterLink } from "../../src/pubsub/link.ts";
import { Relay } from "../../src/pubsub/relay.ts";
import { until } from "../helpers/proc.ts";
import { pubsubSuite } from "./suite.ts";

function worker(relay: Relay, aid: string): { ps: ArbiterPubSub; port: Port } {
  const [arbiterSide, workerSide] = portPair();
  let link: ArbiterLink | null = null;
  const mailbox = new Mailbox(
    workerSide,
    aid,
    () => null,
    (msg) => msg.t === "msg" && link?.receive(msg),
  );
  link = new ArbiterLink(mailbox);
  new Mailbox(
    arbiterSide,
    "arbiter",
    () => null,
    (msg) => {
      if (msg.t === "pub" || msg.t === "sub" || msg.t === "unsub") relay.handle(msg, aid, arbiterSide);
    },
  );
  return { ps: new ArbiterPubSub({ link }), port: arbiterSide };
}

pubsubSuite("arbiter", async () => {
  const relay = new Relay();
  const a = worker(relay, "w1").ps;
  const b = worker(relay, "w2").ps;
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
});

pubsubSuite("arbiter, in the arbiter's process", async () => {
  const relay = new Relay();
  const a = new ArbiterPubSub({ relay });
  const b = worker(relay, "w1").ps;
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
});

describe("the arbiter relay", () => {
  it("forgets a worker whose channel closes, and tells the arbiter of a key once per worker", async () => {
    const relay = new Relay();
    const one = worker(relay, "w1");
    const two = worker(relay, "w2");
    await one.ps.subscribe("x", () => {});
    await one.ps.subscribe("x", () => {});
    await two.ps.subscribe("y.*", () => {});
    expect(relay.listeners).toBe(2);
    expect(relay.publish("x", "m")).toBe(1);
    expect(relay.publish("y.1", "m")).toBe(1);
    one.port.markClosed();
    await until(() => relay.listeners === 1, 2000, "the relay to drop w1");
    expect(relay.publish("x", "m")).toBe(0);
  });
});

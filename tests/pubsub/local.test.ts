import { LocalPubSub } from "../../src/pubsub/local.ts";
import { pubsubSuite } from "./suite.ts";

pubsubSuite("local", async () => {
  const a = new LocalPubSub();
  const b = new LocalPubSub();
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
});

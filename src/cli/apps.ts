/** The apps the binary bundles, by name, for `pulsar run <app>`. Imports are static so `--compile` embeds them. */
import type { Application } from "../actor/application.ts";

type Factory = () => Promise<Application>;

export const BUILTIN_APPS: Record<string, { help: string; load: Factory }> = {
  httpbin: {
    help: "an httpbin.org-compatible HTTP test service",
    load: async () => (await import("../../apps/httpbin/index.ts")).httpbin(),
  },
  hello: { help: "Hello World! over HTTP", load: async () => (await import("../../apps/hello/index.ts")).hello() },
  philosophers: {
    help: "the dining philosophers: forks held by the monitor",
    load: async () => (await import("../../apps/philosophers/index.ts")).philosophers(),
  },
  chat: {
    help: "a websocket chat across workers and machines (pub/sub)",
    load: async () => (await import("../../apps/chat/index.ts")).chat(),
  },
  graph: {
    help: "the original's live random graph: tabs in sync over a websocket",
    load: async () => (await import("../../examples/graph/index.ts")).graph(),
  },
};

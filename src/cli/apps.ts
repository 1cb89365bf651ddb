/** The apps the binary bundles, by name, for `pulsar run <app>`. Imports are static so `--compile` embeds them. */
import type { Application } from "../actor/application.ts";

type Factory = () => Promise<Application>;

export const BUILTIN_APPS: Record<string, { help: string; load: Factory }> = {
  httpbin: {
    help: "an httpbin.org-compatible HTTP test service",
    load: async () => (await import("../../apps/httpbin/index.ts")).httpbin(),
  },
  hello: { help: "Hello World! over HTTP", load: async () => (await import("../../apps/hello/index.ts")).hello() },
  calculator: {
    help: "a JSON-RPC 2.0 calculator at POST / and on the websocket /ws",
    load: async () => (await import("../../apps/calculator/index.ts")).calculator(),
  },
  proxy: {
    help: "an HTTP/1.1 forward proxy with CONNECT tunnels, or a reverse proxy with --upstream",
    load: async () => (await import("../../apps/proxy/index.ts")).proxy(),
  },
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
  echo: {
    help: "a TCP echo: messages end with \\r\\n\\r\\n and are echoed whole; QUIT closes",
    load: async () => (await import("../../apps/echo/index.ts")).echo(),
  },
  echoudp: {
    help: "a UDP echo: each datagram echoed as is; QUIT answers BYE",
    load: async () => (await import("../../apps/echo/index.ts")).echoudp(),
  },
  greeter: {
    help: "a custom command called in a spawned actor",
    load: async () => (await import("../../apps/greeter/index.ts")).greeter(),
  },
  "ping-pong": {
    help: "two actors messaging each other",
    load: async () => (await import("../../apps/ping-pong/index.ts")).pingPong(),
  },
  "remote-object": {
    help: "an actor exposes an object; another calls its methods as if local",
    load: async () => (await import("../../apps/remote-object/index.ts")).remoteObjectApp(),
  },
};

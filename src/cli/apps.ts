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

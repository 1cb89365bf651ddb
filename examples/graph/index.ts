/**
 * The original's random graph, across workers: one worker at a time (whoever
 * holds the lock "graph.generator") draws a random walk and publishes its
 * points; every worker streams them to its browser tabs over /data, so all
 * tabs show the same series. If the generating worker dies, the arbiter
 * releases its lock and another worker carries on from the last point.
 *
 *   pulsar run graph --workers 2     then open http://127.0.0.1:8060/ in several tabs
 */
import { Hono } from "hono";
import type { Actor } from "../../src/actor/actor.ts";
import type { AppSettings } from "../../src/config/resolve.ts";
import { createPubSub } from "../../src/pubsub/create.ts";
import { acquire } from "../../src/pubsub/lock.ts";
import type { Handler } from "../../src/server/handler.ts";
import { HttpServer, type HttpServerOptions } from "../../src/server/http-server.ts";
import { WebSockets } from "../../src/ws/sockets.ts";
import { GRAPH_PAGE } from "./page.ts";

const CHANNEL = "graph.points";
const HISTORY = 500;
/** Points per batch, and batches per second. */
const BATCH = 5;
const EVERY_MS = 100;

type Point = [number, number];

async function graphHandler(actor: Actor): Promise<Handler> {
  const pubsub = await createPubSub();
  const sockets = new WebSockets({ log: actor.log });
  // Every worker sees every batch, so each keeps the same recent history for new tabs.
  const history: Point[] = [];
  await pubsub.subscribe(CHANNEL, (message) => {
    history.push(...(JSON.parse(message) as Point[]));
    history.splice(0, Math.max(0, history.length - HISTORY));
    sockets.publish("graph", message);
  });

  const generate = async () => {
    for (;;) {
      try {
        await using _lock = await acquire("graph.generator", { timeout: 5000 });
        actor.log.info("generating the graph's points");
        let [step, y] = history.at(-1) ?? [-1, 0];
        for (;;) {
          const batch: Point[] = [];
          for (let i = 0; i < BATCH; i++) {
            y += Math.random() - 0.5;
            batch.push([++step, Math.round(y * 1000) / 1000]);
          }
          await pubsub.publish(CHANNEL, JSON.stringify(batch));
          await Bun.sleep(EVERY_MS);
        }
      } catch (err) {
        if ((err as { code?: string }).code !== "E_LOCK_TIMEOUT") {
          actor.log.warn(`graph generator: ${(err as Error).message}`);
          await Bun.sleep(1000);
        }
      }
    }
  };
  generate();

  const app = new Hono();
  app.get("/", (c) => c.html(GRAPH_PAGE));
  app.get(
    "/data",
    sockets.route({
      onOpen: (ws) => {
        ws.send(JSON.stringify(history));
        ws.subscribe("graph");
      },
    }),
  );
  return { fetch: app.fetch, websocket: sockets.websocket };
}

class GraphServer extends HttpServer {
  protected override handler(_cfg: AppSettings, actor: Actor): Promise<Handler> {
    return graphHandler(actor);
  }
}

/** The `graph` app. */
export function graph(options: HttpServerOptions = {}): HttpServer {
  return new GraphServer(() => new Response(null, { status: 500 }), { name: "graph", ...options });
}

if (import.meta.main) graph().start();

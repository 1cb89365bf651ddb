/**
 * The JSON-RPC calculator, as in the original: `calc.*` and the server
 * commands at `POST /` and on the websocket `/ws`; `GET /` documents them.
 * Large HTTP answers are compressed (the original gzipped those of 200 bytes or more).
 *   pulsar run calculator --workers 2
 */
import type { Server } from "bun";
import type { Actor } from "../../src/actor/actor.ts";
import type { WorkerBody } from "../../src/actor/application.ts";
import type { AppSettings, GlobalSettings } from "../../src/config/resolve.ts";
import { defineSetting } from "../../src/config/settings.ts";
import { rpcServer } from "../../src/rpc/commands.ts";
import type { JsonRpc, JsonRpcOptions } from "../../src/rpc/dispatcher.ts";
import type { Handler } from "../../src/server/handler.ts";
import { HttpServer, type HttpServerOptions } from "../../src/server/http-server.ts";
import { handshakeError, handshakeFailed } from "../../src/ws/handshake.ts";
import { calc } from "./methods.ts";
import { calculatorPage } from "./page.ts";

defineSetting({
  name: "rpc_max_body",
  type: "int",
  min: 1,
  default: 2 ** 20,
  scope: "app",
  section: "calculator",
  app: "calculator",
  help: "Largest JSON-RPC request body in bytes; a larger one is answered 413 with a JSON-RPC error.",
});
defineSetting({
  name: "rpc_max_batch",
  type: "int",
  min: 1,
  default: 1000,
  scope: "app",
  section: "calculator",
  app: "calculator",
  help: "Most calls in one JSON-RPC batch; a larger batch is answered with one -32600 error.",
});
defineSetting({
  name: "rpc_compress_min",
  type: "int",
  min: 0,
  default: 1024,
  scope: "app",
  section: "calculator",
  app: "calculator",
  help: "Smallest JSON-RPC answer (in characters) sent compressed over HTTP, with gzip, br or deflate as the client's Accept-Encoding allows; 0 never compresses.",
});

/** The calculator's dispatcher: `calc.*` plus the server commands. */
export function calculatorRpc(options: JsonRpcOptions = {}) {
  return rpcServer({ calc }, options);
}

/** The method tree, for typed clients: `JsonProxy<CalculatorApi>(url)`. */
export type CalculatorApi = ReturnType<typeof calculatorRpc>["methods"];

const HTML = { "content-type": "text/html; charset=utf-8" };

/** The path of an absolute URL, without parsing all of it (this runs on every call). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/**
 * The calculator's handler: `{ fetch, websocket }` for Bun.serve or HttpServer.
 * @example Bun.serve({ port: 8060, ...calculatorHandler(calculatorRpc()) })
 */
export function calculatorHandler(rpc: JsonRpc) {
  const page = calculatorPage(rpc);
  return {
    fetch(req: Request, server: Server<unknown>): Response | Promise<Response> | undefined {
      const path = pathOf(req.url);
      if (path === "/ws") {
        // Not a handshake (no Upgrade, a bad key): 400 saying why. A wrong version: Bun's 426.
        const refused = handshakeError(req);
        if (refused) return refused;
        return server.upgrade(req, { data: undefined }) ? undefined : handshakeFailed();
      }
      if (path !== "/") return new Response("Not Found\n", { status: 404, headers: { "content-type": "text/plain" } });
      if (req.method === "GET" || req.method === "HEAD") return new Response(page, { headers: HTML });
      return rpc.fetch(req);
    },
    websocket: rpc.websocket,
  };
}

/** Builds the dispatcher in each worker from its settings; `debug` (global) puts stacks in errors. */
class CalculatorServer extends HttpServer {
  #debug = false;

  override serve(actor: Actor, cfg: AppSettings, global?: GlobalSettings): Promise<WorkerBody> {
    this.#debug = global?.debug ?? false;
    return super.serve(actor, cfg);
  }

  protected override handler(cfg: AppSettings): Handler {
    const rpc = calculatorRpc({
      debug: this.#debug,
      maxBody: cfg.rpc_max_body as number,
      maxBatch: cfg.rpc_max_batch as number,
      compressMin: cfg.rpc_compress_min as number,
    });
    return calculatorHandler(rpc);
  }
}

/** The `calculator` app: `pulsar run calculator`. */
export function calculator(options: HttpServerOptions = {}): HttpServer {
  return new CalculatorServer(() => new Response(null, { status: 500 }), { name: "calculator", ...options });
}

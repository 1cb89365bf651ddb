/** What `HttpServer` and `pulsar serve` accept: a fetch function, a Hono app, or `{ fetch, websocket }`. */
import type { Server, WebSocketHandler } from "bun";
import { AppLoadError } from "../errors.ts";

// biome-ignore lint/suspicious/noExplicitAny: a handler may return anything Bun.serve accepts
export type FetchFn = (req: Request, server: Server<any>) => Response | undefined | Promise<Response | undefined> | any;

/** Anything servable. A Hono app is an object with `fetch`. */
export type Handler =
  | FetchFn
  // biome-ignore lint/suspicious/noExplicitAny: websocket data is the app's own
  | { fetch: FetchFn; websocket?: WebSocketHandler<any> };

export interface Servable {
  fetch: FetchFn;
  // biome-ignore lint/suspicious/noExplicitAny: websocket data is the app's own
  websocket?: WebSocketHandler<any>;
  /**
   * Give the app an absolute `req.url` when Bun's is a bare path (a request
   * without Host). Checking reads `req.url`, which Bun builds on first read:
   * free for a router (Hono reads it anyway), about 3% of a hello world's
   * time for a function that never looks. So objects (Hono apps, `{ fetch }`)
   * get it, and a bare fetch function sees Bun's own `req.url`.
   */
  absoluteUrl: boolean;
}

/** Normalize a handler, or throw AppLoadError saying what was expected. */
export function toServable(handler: unknown, what = "the handler"): Servable {
  if (typeof handler === "function") return { fetch: handler as FetchFn, absoluteUrl: false };
  if (handler && typeof handler === "object" && typeof (handler as Servable).fetch === "function") {
    const obj = handler as Servable;
    return { fetch: (req, server) => obj.fetch(req, server), websocket: obj.websocket, absoluteUrl: true };
  }
  throw new AppLoadError(
    `${what} is not servable: expected a Hono app, a fetch(request) function or { fetch, websocket }`,
  );
}

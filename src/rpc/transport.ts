/**
 * How a JsonProxy reaches its server: over HTTP (any `fetch`-like function,
 * so an HttpClient session can carry it), over a websocket (answers matched
 * to calls by id), or in-process (a JsonRpc called directly).
 */
import { HttpClient } from "../client/http-client.ts";
import type { JsonRpc, RpcId } from "./dispatcher.ts";
import { RpcTransportError } from "./errors.ts";

/** What a JsonProxy needs from a connection. */
export interface Transport {
  /**
   * Send one request or batch (as JSON text) and resolve with the parsed reply.
   * `ids` are the ids the reply answers; none (only notifications) resolves
   * with undefined once sent.
   */
  exchange(body: string, ids: RpcId[]): Promise<unknown>;
  /** Release the connection (a websocket); calls still waiting fail. */
  close?(): void | Promise<void>;
}

/** The part of `fetch` the HTTP transport uses; `HttpClient#fetch` or the global `fetch` fit. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<Response>;

export interface HttpTransportOptions {
  /**
   * The HttpClient session that carries the calls: its keep-alive pool, cookies, auth, proxy
   * and TLS settings. Default: a session of the transport's own, closed with it.
   */
  http?: HttpClient;
  /** Send the POST with this function instead of a session (a test double, a custom fetch). */
  fetch?: FetchLike;
  /** Extra request headers (authorization…). */
  headers?: Record<string, string>;
  /** Milliseconds before a call fails with RpcTransportError. Default 30 000. */
  timeout?: number;
}

/**
 * JSON-RPC over HTTP POST.
 * @example JsonProxy(httpTransport("http://127.0.0.1:8060/", { http: new HttpClient({ auth: { bearer: "t" } }) }))
 */
export function httpTransport(url: string, options: HttpTransportOptions = {}): Transport {
  const headers = { "content-type": "application/json", accept: "application/json", ...options.headers };
  const timeout = options.timeout ?? 30_000;
  const own = options.http || options.fetch ? undefined : new HttpClient();
  const session = options.http ?? own;
  const custom = options.fetch;
  const send = async (body: string): Promise<{ status: number; text(): Promise<string> }> =>
    custom
      ? custom(url, { method: "POST", headers, body, signal: AbortSignal.timeout(timeout) })
      : (session as HttpClient).post(url, { data: body, headers, timeout });
  return {
    async close() {
      await own?.close();
    },
    async exchange(body, ids) {
      let res: { status: number; text(): Promise<string> };
      try {
        res = await send(body);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new RpcTransportError(`POST ${url} failed: ${reason}`);
      }
      const text = await res.text();
      if (res.status === 204 || (text === "" && ids.length === 0)) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        throw new RpcTransportError(`POST ${url} answered ${res.status} with a body that is not JSON`, {
          status: res.status,
          body: text.slice(0, 200),
        });
      }
    },
  };
}

interface Waiter {
  ids: RpcId[];
  resolve(reply: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * JSON-RPC over one websocket: one request or batch per frame; replies are
 * matched to calls by id, so calls may overlap. Connects on first use.
 * @example JsonProxy(wsTransport("ws://127.0.0.1:8060/ws"))
 */
export function wsTransport(url: string, options: { timeout?: number } = {}): Transport {
  const timeout = options.timeout ?? 30_000;
  const waiters = new Map<RpcId, Waiter>();
  let socket: Promise<WebSocket> | null = null;

  const failAll = (err: Error) => {
    for (const w of new Set(waiters.values())) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    waiters.clear();
  };
  const settle = (w: Waiter, reply: unknown) => {
    clearTimeout(w.timer);
    for (const id of w.ids) waiters.delete(id);
    w.resolve(reply);
  };
  const onMessage = (ev: MessageEvent) => {
    let reply: unknown;
    try {
      reply = JSON.parse(String(ev.data));
    } catch {
      return failAll(new RpcTransportError(`${url} sent a frame that is not JSON`));
    }
    const first = Array.isArray(reply) ? reply.find((r) => waiters.has(r?.id)) : reply;
    const id = (first as { id?: RpcId } | undefined)?.id ?? null;
    const w = waiters.get(id);
    if (w) settle(w, reply);
    // An error with a null id (the server could not read a frame) belongs to no call in particular.
    else if (id === null) failAll(new RpcTransportError(`${url} could not read a request`, reply));
  };
  const connect = () => {
    socket ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener("open", () => resolve(ws));
      ws.addEventListener("message", onMessage);
      ws.addEventListener("error", () => reject(new RpcTransportError(`cannot connect to ${url}`)));
      ws.addEventListener("close", () => {
        socket = null;
        failAll(new RpcTransportError(`${url} closed`));
      });
    });
    return socket;
  };

  return {
    async exchange(body, ids) {
      const ws = await connect();
      if (ids.length === 0) {
        ws.send(body);
        return undefined;
      }
      const reply = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          for (const id of ids) waiters.delete(id);
          reject(new RpcTransportError(`${url} did not answer within ${timeout} ms`));
        }, timeout);
        const w: Waiter = { ids, resolve, reject, timer };
        for (const id of ids) waiters.set(id, w);
      });
      ws.send(body);
      return reply;
    },
    async close() {
      const pending = socket;
      socket = null;
      if (pending) (await pending.catch(() => null))?.close();
    },
  };
}

/**
 * A JsonRpc in this process, through the same text path as the wire.
 * @example JsonProxy(localTransport(rpc))
 */
export function localTransport(rpc: JsonRpc): Transport {
  return {
    async exchange(body) {
      const answer = await rpc.handleText(body);
      return answer === undefined ? undefined : JSON.parse(answer);
    },
  };
}

/**
 * JsonProxy: a JSON-RPC 2.0 client whose property chains are method names
 * (`await proxy.calc.add(1, 2)` calls `calc.add`), typed from the server's own
 * method tree when given one. Error responses are raised as `RpcError`.
 */
import { JsonRpc, type RpcId } from "./dispatcher.ts";
import { RpcError, type RpcErrorObject, RpcTransportError } from "./errors.ts";
import { type HttpTransportOptions, httpTransport, localTransport, type Transport, wsTransport } from "./transport.ts";

type Params = unknown[] | Record<string, unknown>;

/** The client side of a method tree: every method returns a promise of its result. */
export type Client<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : T[K] extends JsonRpc<infer M>
      ? Client<M>
      : Client<T[K]>;
};

/** The same tree for notifications: nothing comes back. */
export type Notifier<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => unknown
    ? (...args: A) => Promise<void>
    : T[K] extends JsonRpc<infer M>
      ? Notifier<M>
      : Notifier<T[K]>;
};

/** Any chain of names, when the proxy is not typed: every name is a namespace and a method. */
// biome-ignore lint/suspicious/noExplicitAny: an untyped remote method takes and returns anything
export type Untyped = { [name: string]: any };

type Tree<T> = T extends JsonRpc<infer M> ? M : T;
type Calls<T> = unknown extends T ? Untyped : Client<Tree<T>>;
type Notes<T> = unknown extends T ? Untyped : Notifier<Tree<T>>;

/** What a proxy adds to the method names; `$` names are never sent. */
export interface ProxyOps<T> {
  /** Queue calls, then send them as one batch with `$send()`. */
  $batch(): Batch<T>;
  /** Notifications: `proxy.$notify.log("hi")` sends without waiting for an answer. */
  $notify: Notes<T>;
  /** Call a method by name, with positional (array) or named (object) params. */
  // biome-ignore lint/suspicious/noExplicitAny: the result of a method named at run time
  $call(method: string, params?: Params): Promise<any>;
  /** Close the connection (a websocket). */
  $close(): Promise<void>;
}

/** A batch being built: calls return promises settled when `$send()` has the answers. */
export type Batch<T> = Calls<T> & {
  $notify: Notes<T>;
  /** Queue a call by name. */
  // biome-ignore lint/suspicious/noExplicitAny: the result of a method named at run time
  $call(method: string, params?: Params): Promise<any>;
  /** Send the queued calls as one request; resolves with each call's result or RpcError, in order. */
  $send(): Promise<unknown[]>;
};

/** The proxy `JsonProxy<T>` returns. */
export type RpcProxy<T = unknown> = ProxyOps<T> & Calls<T>;

export interface JsonProxyOptions extends HttpTransportOptions {}

interface Queued {
  body: { jsonrpc: "2.0"; method: string; params?: Params; id?: number };
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** A callable chain: reading a property extends the name, calling it runs `call(name, args)`. */
function chain(path: string, call: (name: string, args: unknown[]) => unknown): unknown {
  return new Proxy(() => {}, {
    get(_target, prop) {
      // Not thenable, so that `await proxy.calc` is not mistaken for a call.
      if (typeof prop === "symbol" || prop === "then") return undefined;
      return chain(path ? `${path}.${prop}` : prop, call);
    },
    apply(_target, _this, args) {
      return call(path, args);
    },
  });
}

function bodyOf(method: string, params: Params | undefined, id?: number): Queued["body"] {
  const body: Queued["body"] = { jsonrpc: "2.0", method };
  if (params !== undefined && !(Array.isArray(params) && params.length === 0)) body.params = params;
  if (id !== undefined) body.id = id;
  return body;
}

function resultOf(reply: unknown, id: RpcId): unknown {
  if (reply === null || typeof reply !== "object")
    throw new RpcTransportError("the reply is not a JSON-RPC response", reply);
  const r = reply as { result?: unknown; error?: RpcErrorObject; id?: RpcId };
  if (r.error) throw RpcError.fromObject(r.error);
  if (!Object.hasOwn(r, "result") || r.id !== id)
    throw new RpcTransportError(`the reply does not answer call ${id}`, reply);
  return r.result;
}

/**
 * A JSON-RPC client. `target` is an `http(s)://` URL, a `ws(s)://` URL, a
 * `JsonRpc` in this process, or any `Transport`. Give the server's method tree
 * as `T` for typed calls.
 * @example
 * const proxy = JsonProxy<typeof calculator.methods>("http://127.0.0.1:8060/");
 * await proxy.calc.add(1, 2);                      // 3
 * const batch = proxy.$batch(); batch.ping(); batch.calc.divide(1, 0);
 * await batch.$send();                             // ["pong", RpcError]
 * await proxy.$notify.echo("fire and forget");
 */
export function JsonProxy<T = unknown>(
  target: string | JsonRpc | Transport,
  options: JsonProxyOptions = {},
): RpcProxy<T> {
  const transport = toTransport(target, options);
  let nextId = 0;

  const call = async (method: string, params?: Params) => {
    const id = ++nextId;
    return resultOf(await transport.exchange(JSON.stringify(bodyOf(method, params, id)), [id]), id);
  };
  const notify = async (method: string, params?: Params) => {
    await transport.exchange(JSON.stringify(bodyOf(method, params)), []);
  };

  const batch = () => {
    const queue: Queued[] = [];
    const enqueue = (method: string, params: Params | undefined, withId: boolean) => {
      const body = bodyOf(method, params, withId ? ++nextId : undefined);
      const p = new Promise((resolve, reject) => queue.push({ body, resolve, reject }));
      p.catch(() => {}); // read through $send(); awaiting the call itself still rejects
      return p;
    };
    const send = async () => {
      const calls = queue.splice(0);
      if (calls.length === 0) return [];
      const ids = calls.flatMap((c) => (c.body.id === undefined ? [] : [c.body.id]));
      let reply: unknown;
      try {
        reply = await transport.exchange(JSON.stringify(calls.map((c) => c.body)), ids);
      } catch (err) {
        for (const c of calls) c.reject(err as Error);
        throw err;
      }
      const byId = new Map<unknown, unknown>();
      if (Array.isArray(reply)) for (const r of reply) byId.set((r as { id?: unknown })?.id, r);
      else if (reply !== undefined) {
        // One answer for the whole batch: the server refused it (too large…); every call fails with it.
        const err = (reply as { error?: RpcErrorObject }).error
          ? RpcError.fromObject((reply as { error: RpcErrorObject }).error)
          : new RpcTransportError("the reply to a batch is not an array", reply);
        for (const c of calls) c.reject(err);
        throw err;
      }
      const out: unknown[] = [];
      for (const c of calls) {
        if (c.body.id === undefined) {
          c.resolve(undefined);
          continue;
        }
        try {
          const value = resultOf(byId.get(c.body.id), c.body.id);
          c.resolve(value);
          out.push(value);
        } catch (err) {
          c.reject(err as Error);
          out.push(err);
        }
      }
      return out;
    };
    return new Proxy(chain("", (name, args) => enqueue(name, args, true)) as object, {
      get(target, prop, receiver) {
        if (prop === "$send") return send;
        if (prop === "$call") return (method: string, params?: Params) => enqueue(method, params, true);
        if (prop === "$notify") return chain("", (name, args) => enqueue(name, args, false));
        return Reflect.get(target, prop, receiver);
      },
    });
  };

  const root = chain("", (name, args) => call(name, args)) as object;
  return new Proxy(root, {
    get(target, prop, receiver) {
      switch (prop) {
        case "$batch":
          return batch;
        case "$notify":
          return chain("", (name, args) => notify(name, args));
        case "$call":
          return call;
        case "$close":
          return async () => transport.close?.();
        default:
          return Reflect.get(target, prop, receiver);
      }
    },
  }) as RpcProxy<T>;
}

function toTransport(target: string | JsonRpc | Transport, options: JsonProxyOptions): Transport {
  if (target instanceof JsonRpc) return localTransport(target);
  if (typeof target !== "string") return target;
  if (/^wss?:\/\//i.test(target)) return wsTransport(target, { timeout: options.timeout });
  if (/^https?:\/\//i.test(target)) return httpTransport(target, options);
  throw new TypeError(`JsonProxy needs an http(s):// or ws(s):// URL, a JsonRpc or a Transport; got ${target}`);
}

/**
 * The JSON-RPC 2.0 dispatcher: one tree of methods (namespaces nest), served
 * in-process (`call`, `handle`, `handleText`), over HTTP (`fetch`) and over a
 * websocket (`websocket`). Requests are validated to the letter of the spec;
 * batches run concurrently; a notification never gets an answer.
 */
import type { WebSocketHandler } from "bun";
import { errorObjectOf, invalidRequest, RPC_CODES, RpcError, type RpcErrorObject } from "./errors.ts";
import { serveHttp } from "./http.ts";
import { type AnyFn, argumentsFor, type MethodMeta, metaOf } from "./method.ts";

/** A tree of methods: functions, and namespaces (plain objects or other `JsonRpc`s) holding more. */
export interface Methods {
  // biome-ignore lint/suspicious/noExplicitAny: a nested dispatcher may have any methods
  [name: string]: AnyFn | Methods | JsonRpc<any>;
}

/** A request's id: what the answer echoes. */
export type RpcId = string | number | null;

/** One JSON-RPC response object. */
export type RpcResponse =
  | { jsonrpc: "2.0"; result: unknown; id: RpcId }
  | { jsonrpc: "2.0"; error: RpcErrorObject; id: RpcId };

export interface JsonRpcOptions {
  /** Put stacks in the `data` of internal errors (the `debug` setting). Default false. */
  debug?: boolean;
  /** Largest HTTP body in bytes; a larger one gets 413. Default 1 MiB. */
  maxBody?: number;
  /** Most calls in one batch; a larger batch gets one -32600. Default 1000. */
  maxBatch?: number;
  /** Deepest nesting of arrays and objects in a request; deeper gets -32600 before parsing. Default 64. */
  maxDepth?: number;
  /**
   * Over HTTP, compress answers of at least this many characters (gzip, br or deflate, as the
   * client's Accept-Encoding allows). Default 0: never.
   */
  compressMin?: number;
}

interface Entry {
  fn: AnyFn;
  meta: MethodMeta;
}

const JSON_RPC = "2.0";

/**
 * A JSON-RPC 2.0 server: mount `fetch` on a route, `websocket` on a socket,
 * or call it in-process. A `calc` namespace in the tree serves `calc.add`.
 * @example
 * const rpc = new JsonRpc({
 *   ping: () => "pong",
 *   calc: { add: method({ doc: "Add.", params: ["a:number", "b:number"] }, (a, b) => a + b) },
 * });
 * Bun.serve({ fetch: rpc.fetch, websocket: rpc.websocket });
 */
export class JsonRpc<M extends Methods = Methods> {
  /** The tree this dispatcher serves, for typing clients: `JsonProxy<typeof rpc.methods>(url)`. */
  readonly methods: M;
  readonly debug: boolean;
  readonly maxBody: number;
  readonly maxBatch: number;
  readonly maxDepth: number;
  readonly compressMin: number;
  // A Map, not an object: a method called "constructor" or "__proto__" must not find Object.prototype's.
  readonly #table = new Map<string, Entry>();

  constructor(methods: M, options: JsonRpcOptions = {}) {
    this.methods = methods;
    this.debug = options.debug ?? false;
    this.maxBody = options.maxBody ?? 2 ** 20;
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxDepth = options.maxDepth ?? 64;
    this.compressMin = options.compressMin ?? 0;
    this.#add("", methods);
  }

  #add(prefix: string, methods: Methods | JsonRpc): void {
    if (methods instanceof JsonRpc) {
      for (const [name, entry] of methods.#table) this.#table.set(prefix + name, entry);
      return;
    }
    for (const [name, value] of Object.entries(methods)) {
      if (typeof value === "function") this.#table.set(prefix + name, { fn: value, meta: metaOf(value) });
      else if (value && typeof value === "object") this.#add(`${prefix}${name}.`, value);
      else throw new TypeError(`${prefix}${name} is neither a method nor a namespace`);
    }
  }

  /** Every method's full name, sorted. */
  names(): string[] {
    return [...this.#table.keys()].sort();
  }

  /** The declaration of `name`, if it is a method. */
  describe(name: string): MethodMeta | undefined {
    return this.#table.get(name)?.meta;
  }

  /**
   * Call a method in-process, with the same checks as a remote call.
   * @example await rpc.call("calc.add", [1, 2]) // 3
   */
  async call(name: string, params?: unknown[] | Record<string, unknown>): Promise<unknown> {
    const result = await this.#invoke(name, params);
    return result === undefined ? null : result;
  }

  /** Run a method; its result as it returns it (a promise only when the method is async). */
  #invoke(name: string, params: unknown[] | Record<string, unknown> | undefined): unknown {
    const entry = this.#table.get(name);
    if (!entry) throw new RpcError(RPC_CODES.METHOD_NOT_FOUND, `Method not found: ${name}`);
    return entry.fn(...argumentsFor(entry.meta, params));
  }

  /**
   * Answer a parsed request or batch: the response object(s), or undefined when
   * nothing is to be sent back (notifications only).
   */
  async handle(message: unknown): Promise<RpcResponse | RpcResponse[] | undefined> {
    return this.#handle(message);
  }

  // Synchronous methods are answered without a turn of the event loop: most calls are.
  #handle(message: unknown): Answer | Promise<Answer> {
    if (!Array.isArray(message)) return this.#one(message);
    const fail = this.#badBatch(message);
    if (fail) return fail;
    const answers = message.map((m) => this.#one(m));
    const done = (all: (RpcResponse | undefined)[]) => {
      const out = all.filter((a): a is RpcResponse => a !== undefined);
      return out.length ? out : undefined;
    };
    return answers.some((a) => a instanceof Promise) ? Promise.all(answers).then(done) : done(answers as RpcResponse[]);
  }

  /**
   * Answer a request's text: the response text, or undefined for none. Invalid
   * JSON is -32700; a result JSON cannot carry (a BigInt, a cycle) is -32603.
   */
  handleText(text: string): Promise<string | undefined> {
    const out = this.answerText(text);
    return out instanceof Promise ? out : Promise.resolve(out);
  }

  /** `handleText`, synchronous when every method called is: for the HTTP and websocket paths. */
  answerText(text: string): string | undefined | Promise<string | undefined> {
    // Deep nesting parses, but a result echoing it would overflow the stack while being
    // serialized, slowly: refuse it for one cheap pass over the text.
    if (tooDeep(text, this.maxDepth))
      return serialize(failure(null, invalidRequest(`nesting deeper than ${this.maxDepth} levels`)));
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return serialize(failure(null, new RpcError(RPC_CODES.PARSE_ERROR, "Parse error", { reason })));
    }
    const answer = this.#handle(message);
    return answer instanceof Promise ? answer.then(toText) : toText(answer);
  }

  /** The HTTP handler: POST application/json; 405, 415 and 413 otherwise, with JSON-RPC error bodies. */
  readonly fetch = (req: Request): Promise<Response> => serveHttp(this, req);

  /**
   * The websocket handler: each text (or binary UTF-8) frame is one request or
   * batch; each answer is one frame.
   * @example Bun.serve({ fetch: (req, s) => s.upgrade(req) ? undefined : rpc.fetch(req), websocket: rpc.websocket })
   */
  readonly websocket: WebSocketHandler<unknown> = {
    message: async (ws, data) => {
      const text = typeof data === "string" ? data : new TextDecoder().decode(data);
      const answer = await this.answerText(text);
      if (answer !== undefined && ws.readyState === 1) ws.send(answer);
    },
  };

  #badBatch(batch: unknown[]): RpcResponse | undefined {
    if (batch.length === 0) return failure(null, invalidRequest("empty batch"));
    if (batch.length > this.maxBatch)
      return failure(
        null,
        invalidRequest(`a batch holds at most ${this.maxBatch} calls; this one has ${batch.length}`),
      );
    return undefined;
  }

  #one(req: unknown): RpcResponse | undefined | Promise<RpcResponse | undefined> {
    if (req === null || typeof req !== "object" || Array.isArray(req))
      return failure(null, invalidRequest("a request is an object"));
    const r = req as Record<string, unknown>;
    const hasId = Object.hasOwn(r, "id");
    const id = r.id;
    if (hasId && id !== null && typeof id !== "string" && typeof id !== "number")
      return failure(null, invalidRequest("id must be a string, a number or null"));
    const replyId = (hasId ? id : null) as RpcId;
    if (r.jsonrpc !== JSON_RPC) return failure(replyId, invalidRequest('jsonrpc must be "2.0"'));
    if (typeof r.method !== "string") return failure(replyId, invalidRequest("method must be a string"));
    const params = r.params;
    if (Object.hasOwn(r, "params") && (params === null || typeof params !== "object"))
      return failure(replyId, invalidRequest("params must be an array or an object"));
    const ok = (result: unknown): RpcResponse | undefined =>
      hasId ? { jsonrpc: JSON_RPC, result: result === undefined ? null : result, id: replyId } : undefined;
    const fail = (err: unknown): RpcResponse | undefined => (hasId ? failure(replyId, err, this.debug) : undefined);
    let result: unknown;
    try {
      result = this.#invoke(r.method, params as unknown[] | Record<string, unknown> | undefined);
    } catch (err) {
      return fail(err);
    }
    return result instanceof Promise ? result.then(ok, fail) : ok(result);
  }
}

type Answer = RpcResponse | RpcResponse[] | undefined;

/** One answer, or a batch's, as text. One at a time, so that a result that cannot be serialized spoils only its own. */
function toText(answer: Answer): string | undefined {
  if (answer === undefined) return undefined;
  return Array.isArray(answer) ? `[${answer.map(serialize).join(",")}]` : serialize(answer);
}

/** Does `text` nest arrays or objects deeper than `max`? Brackets inside strings do not count. */
export function tooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

function failure(id: RpcId, err: unknown, debug = false): RpcResponse {
  return { jsonrpc: JSON_RPC, error: errorObjectOf(err, debug), id };
}

function serialize(answer: RpcResponse): string {
  try {
    return JSON.stringify(answer);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return JSON.stringify(
      failure(
        answer.id,
        new RpcError(RPC_CODES.INTERNAL_ERROR, "Internal error: the result cannot be sent as JSON", { reason }),
      ),
    );
  }
}

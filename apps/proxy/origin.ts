/**
 * The proxy's own HTTP/1.1 client for plain-http upstreams: keep-alive
 * connections pooled per host:port, one request at a time on each, the
 * response head parsed as strictly as a request head, and the body framed
 * (Content-Length, chunked, or until close) so that a connection goes back to
 * the pool the moment its response ends.
 *
 * Why not fetch: a profile of the proxy on fetch put about 42% of each
 * request in fetch itself (Request, Headers and Response objects, a stream
 * per body). Relaying bytes between two sockets costs a fraction of that, and
 * forwards exactly what the client sent (fetch added User-Agent and Accept).
 */
import type { Socket, SocketHandler } from "bun";
import {
  asChunk,
  type BodyFraming,
  type BodyReader,
  contentLength,
  Framer,
  framingFields,
  LAST_CHUNK,
} from "./body.ts";
import { dial, UpstreamError } from "./dial.ts";
import { headEnd, MAX_HEAD, parseResponseHead, type ResponseHead } from "./head.ts";
import { Writer } from "./writer.ts";

/** Where a relayed response goes (respond.ts writes it to the client). */
export interface ResponseSink {
  /** The final response head (1xx are skipped) and how its body is framed. */
  head(head: ResponseHead, framing: BodyFraming): void;
  /** Body bytes, framing removed; false when the client is full and the origin should pause. */
  data(part: Uint8Array): boolean;
  /** Call `resume` once what `data` queued is written. */
  drained(resume: () => void): void;
  /** The end of one burst of socket data: write what is held back (a head waiting for its body). */
  flush(): void;
  /** The body ended. */
  end(): void;
}

/** A pooled connection failed before any byte of the response: the origin closed it while idle. Safe to retry. */
export class StaleConnection extends Error {}

/** A connection idle longer than this is closed: under the 5 s keep-alive of Node's http server, the shortest common one. */
const IDLE_MS = 4000;
/** Idle connections kept per origin. */
const MAX_IDLE = 256;
const EMPTY = new Uint8Array(0);

/** How a response body is framed (RFC 9112 §6.3); throws on a Content-Length that cannot be read. */
export function responseFraming(method: string, head: ResponseHead): BodyFraming {
  if (method === "HEAD" || head.status === 204 || head.status === 304) return { kind: "none" };
  const { te, cl } = framingFields(head.fields);
  if (te !== undefined) {
    const last = te.split(",").at(-1)?.trim().toLowerCase();
    return last === "chunked" ? { kind: "chunked" } : { kind: "close" };
  }
  if (cl === undefined) return { kind: "close" };
  const length = contentLength(cl);
  if (length === undefined) throw new UpstreamError(502, `malformed Content-Length ${JSON.stringify(cl)}`);
  return { kind: "length", length };
}

/** Does the origin keep this connection open after the response? */
function keepsAlive(head: ResponseHead): boolean {
  let tokens = "";
  for (const [k, v] of head.fields) if (k === "connection") tokens += `,${v.toLowerCase()}`;
  return head.minor === 1 ? !/(^|,)\s*close\s*(,|$)/.test(tokens) : /(^|,)\s*keep-alive\s*(,|$)/.test(tokens);
}

const handlers: SocketHandler<OriginConn> = {
  data: (s, d) => s.data.onData(d),
  drain: (s) => s.data.writer?.drain(),
  close: (s) => s.data.onClose(),
  end: (s) => s.data.onClose(),
  error: (s, err) => s.data.onClose(err),
};

/**
 * One keep-alive connection to an origin.
 * @example const conn = pool.take("127.0.0.1", 8080) ?? (await pool.connect("127.0.0.1", 8080, 30_000)); await conn.send(head, undefined, "GET", sink, 30_000)
 */
export class OriginConn {
  socket!: Socket<OriginConn>;
  writer!: Writer;
  /** It served a request before: a close before any response byte means it went stale in the pool. */
  reused = false;
  idleSince = 0;
  closed = false;
  #buf: Uint8Array = EMPTY;
  #sink?: ResponseSink;
  #method = "GET";
  #framer?: Framer;
  #framerKind: BodyFraming["kind"] = "none";
  #keep = false;
  /** The request body is fully written (or there was none). */
  #sent = true;
  #got = false;
  /**
   * The upstream timeout: when the head must have arrived (0 when nothing
   * waits for one), checked by one timer per connection that re-arms itself
   * rather than a setTimeout and clearTimeout per request, which cost more
   * than parsing the request head.
   */
  #deadline = 0;
  #timeoutMs = 0;
  #timer: Timer | undefined;
  #settle?: { resolve: () => void; reject: (err: Error) => void };
  #full = false;
  readonly #onTimer = () => {
    this.#timer = undefined;
    if (this.#deadline === 0 || this.closed) return;
    const left = this.#deadline - performance.now();
    if (left > 0) this.#timer = setTimeout(this.#onTimer, left).unref();
    else this.#fail(new UpstreamError(504, `upstream ${this.key} did not answer within ${this.#timeoutMs / 1000} s`));
  };
  readonly #emit = (part: Uint8Array) => {
    if (!this.#sink?.data(part)) this.#full = true;
  };

  constructor(
    private readonly pool: OriginPool,
    readonly key: string,
  ) {}

  /**
   * Send one request (`head` is its head, ending in CRLFCRLF; `body`, if any,
   * is streamed after it) and relay the response into `sink`. Resolves when
   * the response has ended; rejects with an UpstreamError (502/504) before the
   * head, StaleConnection when a pooled connection had gone, or an Error mid-body.
   */
  send(
    head: string,
    body: { reader: BodyReader; chunked: boolean } | undefined,
    method: string,
    sink: ResponseSink,
    timeoutMs: number,
  ): Promise<void> {
    this.#sink = sink;
    this.#method = method;
    this.#buf = EMPTY;
    this.#framer = undefined;
    this.#got = false;
    this.#full = false;
    this.#sent = !body;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#settle = { resolve, reject };
    this.#timeoutMs = timeoutMs;
    this.#deadline = performance.now() + timeoutMs;
    this.#timer ??= setTimeout(this.#onTimer, timeoutMs).unref();
    this.writer.write(head);
    if (body) this.#pump(body.reader, body.chunked);
    return promise;
  }

  /** Drop the connection, failing the exchange in flight if any. */
  cancel(reason: string): void {
    this.#fail(new Error(reason));
  }

  /** The client of `sink` went away: stop its exchange, unless the connection already moved on. */
  abandon(sink: ResponseSink, reason: string): void {
    if (this.#sink === sink) this.cancel(reason);
  }

  onData(chunk: Uint8Array): void {
    if (!this.#sink) {
      // Bytes from an idle origin belong to no request: the connection is out of step.
      this.#drop();
      return;
    }
    this.#got = true;
    if (this.#framer) this.#body(chunk);
    else this.#head(chunk);
    this.#sink?.flush();
  }

  onClose(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.forget(this);
    this.writer?.close();
    if (!this.#sink) return;
    if (this.#framer && this.#framerKind === "close") {
      this.#keep = false;
      this.#finish();
      return;
    }
    const why = err ? `: ${err.message}` : "";
    if (!this.#got && this.reused) this.#fail(new StaleConnection(`upstream ${this.key} closed an idle connection`));
    else if (!this.#framer)
      this.#fail(new UpstreamError(502, `upstream ${this.key} closed the connection without answering${why}`));
    else this.#fail(new Error(`upstream ${this.key} closed the connection in the middle of the body${why}`));
  }

  #head(chunk: Uint8Array): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const end = headEnd(this.#buf);
      if (end < 0) {
        if (this.#buf.length > MAX_HEAD)
          this.#fail(new UpstreamError(502, `upstream ${this.key} sent a response head over ${MAX_HEAD} bytes`));
        return;
      }
      let head: ResponseHead;
      let framing: BodyFraming;
      try {
        head = parseResponseHead(this.#buf, end);
        framing = responseFraming(this.#method, head);
      } catch (err) {
        this.#fail(new UpstreamError(502, `upstream ${this.key} sent a malformed response: ${(err as Error).message}`));
        return;
      }
      this.#buf = end === this.#buf.length ? EMPTY : this.#buf.subarray(end);
      // 1xx (100 Continue, 103 Early Hints) come before the real answer; 101 never does here (upgrades are tunnels).
      if (head.status < 200) {
        if (head.status === 101) {
          this.#fail(new UpstreamError(502, `upstream ${this.key} switched protocols unasked`));
          return;
        }
        continue;
      }
      this.#deadline = 0;
      this.#keep = keepsAlive(head);
      this.#framerKind = framing.kind;
      this.#framer = new Framer(framing);
      this.#sink?.head(head, framing);
      const rest = this.#buf;
      this.#buf = EMPTY;
      if (this.#framer.done) {
        if (rest.length > 0) this.#keep = false;
        this.#finish();
      } else if (rest.length > 0) this.#body(rest);
      return;
    }
  }

  #body(chunk: Uint8Array): void {
    const framer = this.#framer as Framer;
    let used: number;
    try {
      used = framer.feed(chunk, this.#emit);
    } catch (err) {
      this.#fail(new Error(`upstream ${this.key} sent a malformed body: ${(err as Error).message}`));
      return;
    }
    if (framer.done) {
      if (used < chunk.length) this.#keep = false;
      this.#finish();
      return;
    }
    if (this.#full) {
      this.#full = false;
      this.socket.pause();
      this.#sink?.drained(() => this.socket.resume());
    }
  }

  /** Stream the request body upstream, chunked again if it came chunked. */
  async #pump(body: BodyReader, chunked: boolean): Promise<void> {
    const reader = body.stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!this.#sink || this.closed) {
          await reader.cancel();
          return;
        }
        if (!this.writer.write(chunked ? asChunk(value) : value)) await this.writer.flushed();
      }
      if (chunked) this.writer.write(LAST_CHUNK);
      this.#sent = true;
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  /** The response ended: back to the pool if the connection is still in step, else closed. */
  #finish(): void {
    const settle = this.#settle;
    const sink = this.#sink;
    this.#settle = undefined;
    this.#sink = undefined;
    this.#framer = undefined;
    this.#deadline = 0;
    sink?.end();
    if (this.#keep && this.#sent && !this.closed) {
      this.reused = true;
      this.pool.release(this);
    } else this.#drop();
    settle?.resolve();
  }

  #fail(err: Error): void {
    const settle = this.#settle;
    this.#settle = undefined;
    this.#sink = undefined;
    this.#deadline = 0;
    this.#drop();
    settle?.reject(err);
  }

  /** Close it for good (out of step, or its response was cut short). */
  #drop(): void {
    this.pool.forget(this);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.closed) {
      this.closed = true;
      this.writer?.close();
      this.socket?.terminate();
    }
  }
}

/**
 * The idle keep-alive connections of one worker, per origin.
 * @example const pool = new OriginPool(); const conn = pool.take("127.0.0.1", 8080) ?? (await pool.connect("127.0.0.1", 8080, 30_000))
 */
export class OriginPool {
  #idle = new Map<string, OriginConn[]>();
  #sweep: Timer;

  constructor() {
    this.#sweep = setInterval(() => this.#closeStale(Date.now()), IDLE_MS / 2);
    this.#sweep.unref();
  }

  /** An idle connection to `host:port`, if one is ready (no await on the hot path). */
  take(host: string, port: number): OriginConn | undefined {
    const idle = this.#idle.get(`${host}:${port}`);
    const now = Date.now();
    for (let c = idle?.pop(); c; c = idle?.pop()) {
      if (!c.closed && now - c.idleSince < IDLE_MS) return c;
      c.cancel("stale");
    }
    return undefined;
  }

  /** A new connection to `host:port`; rejects with an UpstreamError. */
  async connect(host: string, port: number, connectMs: number): Promise<OriginConn> {
    const conn = new OriginConn(this, `${host}:${port}`);
    conn.socket = await dial(host, port, conn, handlers, { connectMs });
    conn.writer = new Writer(conn.socket);
    return conn;
  }

  release(conn: OriginConn): void {
    const idle = this.#idle.get(conn.key) ?? [];
    if (idle.length === 0) this.#idle.set(conn.key, idle);
    if (idle.length >= MAX_IDLE) {
      conn.cancel("pool full");
      return;
    }
    conn.idleSince = Date.now();
    idle.push(conn);
  }

  forget(conn: OriginConn): void {
    const idle = this.#idle.get(conn.key);
    const i = idle ? idle.indexOf(conn) : -1;
    if (i >= 0) idle?.splice(i, 1);
  }

  /** Close every idle connection (the worker stops). */
  close(): void {
    clearInterval(this.#sweep);
    for (const idle of this.#idle.values()) for (const c of [...idle]) c.cancel("closing");
    this.#idle.clear();
  }

  #closeStale(now: number): void {
    for (const idle of this.#idle.values())
      for (const c of [...idle]) if (now - c.idleSince >= IDLE_MS) c.cancel("idle");
  }
}

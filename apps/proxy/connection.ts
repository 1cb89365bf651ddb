/**
 * One client connection to the proxy: read a request head, apply the rules
 * (loop, auth, hosts, ports), then either relay the request (over a pooled
 * keep-alive origin connection for http, through fetch for https) or turn
 * the connection into a byte tunnel (CONNECT, websocket upgrade). Requests
 * on one connection are served in order; bytes of a pipelined next request
 * wait until the response is done.
 */
import type { Socket } from "bun";
import { BodyReader, framingOf } from "./body.ts";
import { UpstreamError } from "./dial.ts";
import { field, HeadError, headEnd, MAX_HEAD, parseHead, type RequestHead } from "./head.ts";
import { connectionHas, forwardRequestFields, isUpgrade, viaHasUs } from "./headers.ts";
import { type OriginPool, StaleConnection } from "./origin.ts";
import { authorized, parseAuthority, refusedHost } from "./policy.ts";
import { type Relay, ResponseRelay, relayResponse, responseHead, writeError } from "./respond.ts";
import type { ProxySettings } from "./settings.ts";
import { Tunnel } from "./tunnel.ts";
import type { Upstream, Upstreams } from "./upstreams.ts";
import { Writer } from "./writer.ts";

/** What every connection of one worker shares. */
export interface ProxyContext {
  settings: ProxySettings;
  /** Our Via pseudonym (`pulsar-<host>:<port>`). */
  via: string;
  /** Reverse-proxy mode when set. */
  upstreams?: Upstreams;
  /** Keep-alive connections to plain-http upstreams. */
  origins: OriginPool;
  /** Seconds an idle keep-alive client connection stays open. */
  keepAlive: number;
  /** The worker is stopping: close connections after their current response. */
  draining: boolean;
  countRequest(): void;
  /** Access log lines (info). */
  log(line: string): void;
  /** Failures worth an operator's eye (warn). */
  warn(line: string): void;
}

const EMPTY = new Uint8Array(0);

/** How a request ended: status and body bytes for the access log, and whether the connection stays open. */
type Outcome = { status: number; bytes: number; keep: boolean };

/** A request that could not be served: the status and why. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: [string, string][] = [],
  ) {
    super(message);
  }
}

export class Connection {
  readonly writer: Writer;
  #buf: Uint8Array = EMPTY;
  #phase: "head" | "busy" | "tunnel" | "closed" = "head";
  #body?: BodyReader;
  #bodyError?: string;
  #tunnel?: Tunnel;
  /** Stops the upstream exchange in flight (the client went away). */
  #cancel?: () => void;
  /** The current request's body was read and dropped: the connection is still in step. */
  #drained = false;

  constructor(
    readonly socket: Socket<Connection>,
    private readonly ctx: ProxyContext,
  ) {
    this.writer = new Writer(socket);
    socket.timeout(ctx.keepAlive);
  }

  /** Idle between requests (the worker may close it when draining). */
  get idle(): boolean {
    return this.#phase === "head" && this.#buf.length === 0;
  }

  onData(chunk: Uint8Array): void {
    if (this.#phase === "tunnel" && this.#tunnel) {
      this.#tunnel.fromClient(chunk);
      return;
    }
    if (this.#phase === "closed") return;
    if (this.#phase === "busy" && this.#body && !this.#body.done) {
      try {
        const fed = this.#body.feed(chunk);
        if (fed.used < chunk.length) this.#append(chunk.subarray(fed.used));
      } catch (err) {
        this.#bodyError = (err as Error).message;
        this.#body.fail(this.#bodyError);
      }
      return;
    }
    this.#append(chunk);
    if (this.#phase === "head") this.#nextRequest();
  }

  onTimeout(): void {
    if (this.idle || this.#phase === "head") this.socket.end();
  }

  onClose(): void {
    if (this.#phase === "closed") return;
    this.#phase = "closed";
    this.writer.close();
    this.#body?.fail("the client closed the connection");
    this.#cancel?.();
    this.#tunnel?.close();
  }

  /** Draining: an idle connection closes now, a busy one after its response. */
  drain(): void {
    if (this.idle) this.socket.end();
  }

  #append(chunk: Uint8Array): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    // Unread pipelined bytes are bounded like a head: pause the client meanwhile.
    if (this.#phase !== "head" && this.#buf.length > MAX_HEAD) this.socket.pause();
  }

  #nextRequest(): void {
    const end = headEnd(this.#buf);
    if (end < 0) {
      if (this.#buf.length > MAX_HEAD) this.#fail(431, `request head larger than ${MAX_HEAD} bytes`);
      return;
    }
    if (end > MAX_HEAD) {
      this.#fail(431, `request head larger than ${MAX_HEAD} bytes`);
      return;
    }
    let head: RequestHead;
    try {
      head = parseHead(this.#buf, end);
    } catch (err) {
      const e = err as HeadError;
      this.#fail(e.status ?? 400, e.message);
      return;
    }
    const rest = end === this.#buf.length ? EMPTY : this.#buf.subarray(end);
    this.#buf = EMPTY;
    this.#phase = "busy";
    this.socket.timeout(0);
    this.ctx.countRequest();
    const t0 = this.ctx.settings.accessLog ? performance.now() : 0;
    // #route answers most requests with one async step (the upstream exchange): no async
    // wrappers around it, since each costs about as much per request as parsing the head.
    let outcome: Promise<Outcome>;
    try {
      outcome = this.#route(head, rest);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.then(
      ({ status, bytes, keep }) => this.#done(head, t0, status, bytes, keep),
      (err) => {
        const refused = this.#refuse(head, err);
        if (refused) {
          this.#done(head, t0, refused.status, refused.bytes, refused.keep);
          return;
        }
        // Mid-response failure (the upstream body broke): the client sees a truncated response.
        // A client that hung up aborted the relay itself: nothing to report.
        const clientGone = this.#phase === "closed";
        this.#done(head, t0, 502, 0, false);
        if (!clientGone) this.ctx.warn(`relay of ${head.method} ${head.target} failed: ${(err as Error).message}`);
        this.socket.terminate();
      },
    );
  }

  /** A head the proxy cannot read: answer and close. */
  #fail(status: number, why: string): void {
    this.#phase = "closed";
    writeError(this.writer, status, why, this.ctx.via, true);
    this.writer.flushed().then(() => this.socket.end());
  }

  /** A request refused (by the rules, or an upstream that failed before answering): answer why. Else undefined. */
  #refuse(head: RequestHead, err: unknown): Outcome | undefined {
    if (!(err instanceof Refusal || err instanceof UpstreamError || err instanceof HeadError)) return undefined;
    const bodyless = (() => {
      try {
        return framingOf(head).kind === "none";
      } catch {
        return false;
      }
    })();
    // With an unread body the connection cannot be reused: close it.
    const keep =
      (bodyless || this.#drained) &&
      !this.#body &&
      head.minor === 1 &&
      !connectionHas(head.fields, "close") &&
      !this.ctx.draining;
    this.#drained = false;
    const extra = err instanceof Refusal ? err.extra : [];
    const bytes = writeError(this.writer, err.status, err.message, this.ctx.via, !keep, extra);
    return { status: err.status, bytes, keep };
  }

  /** Apply the rules and start the exchange; a refusal is thrown, or rejects. */
  #route(head: RequestHead, rest: Uint8Array): Promise<Outcome> {
    const { settings, via, upstreams } = this.ctx;
    if (viaHasUs(head.fields, via))
      throw new Refusal(508, `loop detected: the request already passed through this proxy (Via ${via})`);
    if (!upstreams && settings.proxyAuth && !authorized(field(head, "proxy-authorization"), settings.proxyAuth))
      throw new Refusal(407, "proxy authentication required (Basic)", [
        ["proxy-authenticate", 'Basic realm="pulsar proxy"'],
      ]);
    if (head.method === "CONNECT") return this.#connect(head, rest);
    const target = this.#target(head);
    const framing = framingOf(head);
    if (isUpgrade(head.fields)) return this.#upgrade(head, target, rest);
    if (framing.kind !== "none") {
      this.#body = new BodyReader(framing, { pause: () => this.socket.pause(), resume: () => this.socket.resume() });
      if (field(head, "expect")?.toLowerCase() === "100-continue" && head.minor === 1)
        this.writer.write("HTTP/1.1 100 Continue\r\n\r\n");
      if (rest.length > 0) this.onData(rest);
    } else if (rest.length > 0) this.#append(rest);
    if (this.#body && (head.method === "GET" || head.method === "HEAD")) return this.#refuseBody(head.method);
    const relay: Relay = {
      writer: this.writer,
      via,
      method: head.method,
      minor: head.minor,
      keep: head.minor === 1 && !connectionHas(head.fields, "close") && !this.ctx.draining,
      gone: () => this.#phase === "closed",
    };
    if (target.url.protocol === "http:") return this.#relay(head, target, relay);
    return this.#relayFetched(head, target, relay);
  }

  /**
   * Origins disagree on a GET or HEAD body (Bun.serve ignores it and reads it as the next request,
   * fetch cannot send one), so it would put the upstream connection out of step. Read it off and refuse.
   */
  async #refuseBody(method: string): Promise<Outcome> {
    const reader = (this.#body as BodyReader).stream.getReader();
    while (!(await reader.read()).done);
    this.#body = undefined;
    this.#drained = true;
    throw new Refusal(400, `a ${method} request with a body cannot be forwarded`);
  }

  /** An https upstream, through fetch. */
  async #relayFetched(head: RequestHead, target: { url: URL; upstream?: Upstream }, relay: Relay): Promise<Outcome> {
    const res = await this.#fetch(head, target);
    const out = await relayResponse(res, relay);
    return { status: res.status, bytes: out.bytes, keep: out.keep };
  }

  /**
   * Relay over a pooled origin connection. A pooled connection the origin
   * closed while idle is retried on a fresh one, and in reverse mode a refused
   * upstream is skipped for the next, when no request body was sent yet.
   */
  async #relay(head: RequestHead, target: { url: URL; upstream?: Upstream }, to: Relay): Promise<Outcome> {
    const { upstreams, settings, origins } = this.ctx;
    const body = this.#body;
    const relay = new ResponseRelay(to);
    let retries = upstreams && !body ? upstreams.size - 1 : 0;
    for (;;) {
      const { url } = target;
      const port = Number(url.port) || 80;
      const host = url.hostname.replace(/^\[|\]$/g, "");
      try {
        const conn = origins.take(host, port) ?? (await origins.connect(host, port, settings.timeoutMs));
        if (this.#phase === "closed") {
          conn.cancel("the client closed the connection");
          throw new Refusal(499, "the client closed the connection");
        }
        this.#cancel = () => conn.abandon(relay, "the client closed the connection");
        await conn.send(
          this.#requestHead(head, url),
          body && { reader: body, chunked: body.framing.kind === "chunked" },
          head.method,
          relay,
          settings.timeoutMs,
        );
        return { status: relay.status, bytes: relay.bytes, keep: relay.keep };
      } catch (err) {
        if (relay.sent) throw err;
        if (this.#bodyError) throw new Refusal(400, this.#bodyError);
        if (this.#phase === "closed") throw new Refusal(499, "the client closed the connection");
        // Broken before a byte reached the client (a bad body in the first read): still a clean 502.
        if (!(err instanceof UpstreamError || err instanceof StaleConnection))
          throw new UpstreamError(502, (err as Error).message);
        if (err instanceof StaleConnection && !body) continue;
        if (err instanceof StaleConnection) throw new UpstreamError(502, err.message);
        if (!(err instanceof UpstreamError) || !upstreams || !target.upstream) throw err;
        if (err.status === 502) {
          upstreams.markDown(target.upstream);
          this.ctx.warn(`${err.message}; skipping it for a while`);
        }
        if (retries-- <= 0) throw err;
        target = this.#target(head);
      }
    }
  }

  /** The request head to send upstream: origin-form target, forwarded fields, the body's framing. */
  #requestHead(head: RequestHead, url: URL): string {
    const fields = forwardRequestFields(head.fields, {
      via: this.ctx.via,
      client: this.socket.remoteAddress,
      host: this.ctx.upstreams ? undefined : url.host,
    });
    // Transfer-Encoding is hop-by-hop: a chunked body is chunked again on this hop.
    if (this.#body?.framing.kind === "chunked") fields.push(["transfer-encoding", "chunked"]);
    let s = `${head.method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
    for (const [k, v] of fields) s += `${k}: ${v}\r\n`;
    return `${s}\r\n`;
  }

  /** The URL to fetch: the absolute-form target (forward), or the path on the next upstream (reverse). */
  #target(head: RequestHead): { url: URL; upstream?: Upstream } {
    const { upstreams, settings } = this.ctx;
    const absolute = /^https?:\/\//i.test(head.target);
    if (upstreams) {
      const path = absolute ? pathOf(head.target) : head.target;
      if (!path.startsWith("/")) throw new Refusal(400, `malformed request target ${JSON.stringify(head.target)}`);
      const upstream = upstreams.next();
      return { url: joinUrl(upstream.url, path), upstream };
    }
    if (!absolute) {
      throw new Refusal(
        400,
        head.target.startsWith("/")
          ? `this is a forward proxy: the request target must be an absolute URL (http://host${head.target}), not a path`
          : `malformed request target ${JSON.stringify(head.target)}: expected http://host/path`,
      );
    }
    let url: URL;
    try {
      url = new URL(head.target);
    } catch {
      throw new Refusal(400, `malformed request target ${JSON.stringify(head.target)}`);
    }
    if (!url.hostname) throw new Refusal(400, `request target ${JSON.stringify(head.target)} has no host`);
    const refused = refusedHost(url.hostname.replace(/^\[|\]$/g, ""), settings.allowHosts, settings.denyHosts);
    if (refused) throw new Refusal(403, refused);
    // Credentials in the target are not forwarded (URL setters re-serialize: only when present).
    if (url.username || url.password) {
      url.username = "";
      url.password = "";
    }
    return { url };
  }

  /** fetch, with the upstream timeout on the head; reverse mode moves to the next upstream on refusal. */
  async #fetch(head: RequestHead, target: { url: URL; upstream?: Upstream }): Promise<Response> {
    const { upstreams, settings, via } = this.ctx;
    const retries = upstreams && !this.#body ? upstreams.size - 1 : 0;
    for (let attempt = 0; ; attempt++) {
      const url = target.url;
      const headers = forwardRequestFields(head.fields, {
        via,
        client: this.socket.remoteAddress,
        host: upstreams ? undefined : url.host,
      });
      const abort = new AbortController();
      this.#cancel = () => abort.abort();
      const timer = setTimeout(() => abort.abort(new UpstreamError(504, "timeout")), settings.timeoutMs);
      try {
        return await fetch(url, {
          method: head.method,
          headers,
          body: this.#body?.stream,
          redirect: "manual",
          decompress: false,
          signal: abort.signal,
          duplex: "half",
        } as RequestInit);
      } catch (err) {
        if (this.#bodyError) throw new Refusal(400, this.#bodyError);
        if (abort.signal.reason instanceof UpstreamError)
          throw new UpstreamError(504, `upstream ${url.host} did not answer within ${settings.timeoutMs / 1000} s`);
        if (this.#phase === "closed") throw new Refusal(499, "the client closed the connection");
        const why = `upstream ${url.host} failed: ${(err as Error).message}`;
        if (!upstreams || !target.upstream) throw new UpstreamError(502, why);
        upstreams.markDown(target.upstream);
        this.ctx.warn(`${why}; skipping it for a while`);
        if (attempt >= retries) throw new UpstreamError(502, why);
        target = this.#target(head);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  async #connect(head: RequestHead, rest: Uint8Array): Promise<Outcome> {
    const { settings, upstreams, via } = this.ctx;
    if (upstreams) throw new Refusal(405, "CONNECT is not served in reverse-proxy mode");
    const auth = parseAuthority(head.target);
    if (!auth) throw new Refusal(400, `malformed CONNECT target ${JSON.stringify(head.target)}: expected host:port`);
    if (!settings.connectPorts.has(auth.port))
      throw new Refusal(
        403,
        `CONNECT to port ${auth.port} is not allowed (connect_ports: ${[...settings.connectPorts].join(", ")})`,
      );
    const refused = refusedHost(auth.host, settings.allowHosts, settings.denyHosts);
    if (refused) throw new Refusal(403, refused);
    await this.#tunnelTo(auth.host, auth.port, false);
    this.writer.write(responseHead(200, "Connection Established", [["via", `1.1 ${via}`]]));
    this.#startTunnel(rest);
    return { status: 200, bytes: 0, keep: false };
  }

  /** A websocket (or other) upgrade: forward the head as is, then tunnel the bytes. */
  async #upgrade(head: RequestHead, target: { url: URL; upstream?: Upstream }, rest: Uint8Array): Promise<Outcome> {
    const { url } = target;
    const tls = url.protocol === "https:" || url.protocol === "wss:";
    const port = Number(url.port) || (tls ? 443 : 80);
    try {
      await this.#tunnelTo(url.hostname.replace(/^\[|\]$/g, ""), port, tls);
    } catch (err) {
      if (target.upstream && err instanceof UpstreamError) this.ctx.upstreams?.markDown(target.upstream);
      throw err;
    }
    const fields = forwardRequestFields(head.fields, {
      via: this.ctx.via,
      client: this.socket.remoteAddress,
      host: this.ctx.upstreams ? undefined : url.host,
      upgrade: true,
    });
    const line = `${head.method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
    this.#tunnel?.upWriter.write(responseHead(0, "", fields).replace(/^HTTP\/1\.1 0 \r\n/, line));
    this.#startTunnel(rest);
    return { status: 101, bytes: 0, keep: false };
  }

  async #tunnelTo(host: string, port: number, tls: boolean): Promise<void> {
    const client = { socket: this.socket as Socket<unknown>, writer: this.writer, close: () => this.socket.end() };
    this.#tunnel = await Tunnel.open(host, port, client, {
      connectMs: this.ctx.settings.timeoutMs,
      idleSeconds: this.ctx.settings.tunnelIdle,
      tls,
    });
    if (this.#phase === "closed") this.#tunnel.close();
  }

  #startTunnel(rest: Uint8Array): void {
    if (this.#phase === "closed") return;
    this.#phase = "tunnel";
    const pending = this.#buf.length ? Buffer.concat([rest, this.#buf]) : rest;
    this.#buf = EMPTY;
    this.socket.resume();
    if (pending.length > 0) this.#tunnel?.fromClient(pending);
  }

  #done(head: RequestHead, t0: number, status: number, bytes: number, keep: boolean): void {
    if (this.ctx.settings.accessLog) {
      const request = `${this.socket.remoteAddress} "${head.method} ${head.target} HTTP/1.${head.minor}" ${status}`;
      const line = (n: number) => `${request} ${n} ${Math.round(performance.now() - t0)}ms`;
      const tunnel = this.#phase === "tunnel" ? this.#tunnel : undefined;
      // A tunnel is logged when it ends: bytes to the client, its lifetime, and bytes up.
      if (tunnel && !tunnel.closed) tunnel.onClosed = (t) => this.ctx.log(`${line(t.bytesDown)} ${t.bytesUp} up`);
      else this.ctx.log(line(bytes));
    }
    if (this.#phase === "tunnel" || this.#phase === "closed") return;
    const body = this.#body;
    this.#body = undefined;
    this.#cancel = undefined;
    // Not `draining` here: a response that began before the drain promised keep-alive, and the
    // client's next request may already be on its way. It is answered with `Connection: close`.
    if (!keep || (body && !body.done)) {
      this.#phase = "closed";
      body?.fail("the response ended before the request body");
      this.writer.flushed().then(() => this.socket.end());
      return;
    }
    this.#phase = "head";
    this.socket.timeout(this.ctx.keepAlive);
    this.socket.resume();
    if (this.#buf.length > 0) queueMicrotask(() => this.#phase === "head" && this.#nextRequest());
  }
}

/** The path and query of an absolute URL. */
function pathOf(target: string): string {
  const start = target.indexOf("/", target.indexOf("//") + 2);
  return start < 0 ? "/" : target.slice(start);
}

/** `base` (which may have a path prefix) joined with the request path. */
function joinUrl(base: URL, path: string): URL {
  const prefix = base.pathname.endsWith("/") ? base.pathname.slice(0, -1) : base.pathname;
  return new URL(`${base.origin}${prefix}${path}`);
}

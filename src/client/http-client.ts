/**
 * HttpClient: a session over Bun's fetch, in the style of Python's requests
 * and the original pulsar's HttpClient. It owns a Bun.FetchSession (its own
 * keep-alive pool), a cookie jar, default headers, auth and hooks, and follows
 * redirects itself so that it can keep their history, carry cookies across
 * hops and drop credentials when a hop leaves the origin.
 */
import { VERSION } from "../version.ts";
import { type Auth, credentials, type DigestAnswer, DigestCache, preemptive } from "./auth.ts";
import { buildUrl, type Data, type FileField, type ParamValue, prepareBody } from "./body.ts";
import { CookieJar } from "./cookie-jar.ts";
import { CLOSED, ClientClosedError, classify, RequestError, TIMEOUT, TooManyRedirectsError } from "./errors.ts";
import { OriginSlots } from "./origin-slots.ts";
import { type ProxyOption, proxyFromEnv } from "./proxy-env.ts";
import { HttpResponse } from "./response.ts";
import { type WebSocketClient, type WebSocketOptions, WebSocketClient as WsClient } from "./websocket.ts";

/** The request as it is about to be sent; a `beforeRequest` hook may change it. */
export interface PreparedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: BodyInit | undefined;
}

/** Runs before each request is sent (each redirect hop too). */
export type BeforeRequestHook = (req: PreparedRequest) => void | Promise<void>;
/** Runs on each final response; returning a response replaces it. */
export type AfterResponseHook = (res: HttpResponse) => undefined | HttpResponse | Promise<undefined | HttpResponse>;

/** TLS options: `verify: false` accepts any certificate; `ca` adds trusted roots (PEM). */
export interface TlsOptions {
  verify?: boolean;
  ca?: string | Bun.BunFile | Bun.BufferSource | Array<string | Bun.BunFile | Bun.BufferSource>;
}

/** Options shared by the session and each request. */
export interface CommonOptions extends TlsOptions {
  headers?: HeadersInit;
  params?: Record<string, ParamValue>;
  /** Credentials; `null` on a request drops the session's. */
  auth?: Auth | null;
  /** Ms for the response headers and, unless streaming, the whole body; with `stream`, each chunk's wait. 0: none. */
  timeout?: number;
  /** `follow` (default) keeps the chain in `history`; `manual` returns the 3xx itself. */
  redirect?: "follow" | "manual";
  /** How many redirects to follow before a TooManyRedirectsError (default 10). */
  maxRedirects?: number;
  /**
   * An HTTP proxy URL, or false for none. Unset: the environment's (HTTP_PROXY, HTTPS_PROXY,
   * ALL_PROXY minus NO_PROXY). A proxy given here is used for every host, NO_PROXY or not.
   */
  proxy?: ProxyOption;
  /** Decompress gzip, deflate and brotli bodies (default true). */
  decompress?: boolean;
}

/** Options for `new HttpClient(...)`. */
export interface HttpClientOptions extends CommonOptions {
  /** Relative request paths are joined to it. */
  baseURL?: string;
  /** A jar to share between clients (default: a new one). */
  cookies?: CookieJar;
  /** Reuse connections (default true); false closes each after its response. */
  keepAlive?: boolean;
  /** Read the proxy from the environment (default true). */
  trustEnv?: boolean;
  /**
   * Most requests in flight per origin (scheme, host, port); more wait their turn, in order,
   * and their timeout runs while they wait. Default: no cap, as Bun's fetch (the original's
   * `pool_size` was 10). A streamed response holds its slot until its body is read or its request aborted.
   */
  poolSize?: number;
  hooks?: { beforeRequest?: BeforeRequestHook[]; afterResponse?: AfterResponseHook[] };
}

/** Options for one request. */
export interface RequestOptions extends CommonOptions {
  /** A JSON body (sets Content-Type: application/json). */
  json?: unknown;
  /** A body: string, bytes, Blob, stream, async iterable, FormData, URLSearchParams, or an object sent as a form. */
  data?: Data;
  /** Files sent as multipart/form-data (with `data` fields, if an object). */
  files?: Record<string, FileField>;
  /** Extra cookies for this request only; each replaces the session's cookie of its name. */
  cookies?: Record<string, string>;
  /** Return before the body is read: iterate the response, or call `lines()`. */
  stream?: boolean;
  /** Abort from outside. */
  signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** The headers that describe a body: they go with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-length", "transfer-encoding"];
const DEFAULT_TIMEOUT = 30_000;

/**
 * A session: shared headers, cookies, auth, TLS and proxy settings, and a
 * keep-alive pool of its own, closed by `await using` or `close()`.
 * @example
 * await using http = new HttpClient({ baseURL: "http://127.0.0.1:8060", timeout: 10_000 });
 * const r = await http.get("/get", { params: { a: 1 } });
 * console.log((await r.json()).args); // { a: "1" }
 */
export class HttpClient {
  readonly baseURL: string | undefined;
  /** Sent with every request; change them at any time. */
  readonly headers: Headers;
  /** The session's cookies. */
  readonly cookies: CookieJar;
  readonly hooks: { beforeRequest: BeforeRequestHook[]; afterResponse: AfterResponseHook[] };
  #options: HttpClientOptions;
  #session: Bun.FetchSession;
  #slots: OriginSlots | null;
  #digest = new DigestCache();
  #inflight = new Set<AbortController>();
  #sockets = new Set<WebSocketClient>();
  #closed = false;

  constructor(options: HttpClientOptions = {}) {
    this.#options = options;
    this.baseURL = options.baseURL;
    // A bad baseURL fails here, not on first use.
    if (options.baseURL !== undefined && !URL.canParse(options.baseURL))
      throw new RequestError(`invalid baseURL ${JSON.stringify(options.baseURL)}`, {
        method: "",
        url: options.baseURL,
      });
    this.headers = new Headers({ "user-agent": `pulsar/${VERSION}`, accept: "*/*" });
    new Headers(options.headers).forEach((v, k) => {
      this.headers.set(k, v);
    });
    this.cookies = options.cookies ?? new CookieJar();
    this.hooks = {
      beforeRequest: [...(options.hooks?.beforeRequest ?? [])],
      afterResponse: [...(options.hooks?.afterResponse ?? [])],
    };
    const poolSize = options.poolSize ?? Number.POSITIVE_INFINITY;
    if (!(poolSize === Number.POSITIVE_INFINITY || (Number.isInteger(poolSize) && poolSize > 0)))
      throw new RequestError(`invalid poolSize ${poolSize}: a whole number above 0, or Infinity`, {
        method: "",
        url: options.baseURL ?? "",
      });
    this.#slots = poolSize === Number.POSITIVE_INFINITY ? null : new OriginSlots(poolSize);
    this.#session = new Bun.FetchSession({ keepAlive: options.keepAlive ?? true });
  }

  /** GET `url`. */
  get(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.request("GET", url, options);
  }
  /** POST `url`. */
  post(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.request("POST", url, options);
  }
  /** PUT `url`. */
  put(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.request("PUT", url, options);
  }
  /** PATCH `url`. */
  patch(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.request("PATCH", url, options);
  }
  /** DELETE `url`. */
  delete(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.request("DELETE", url, options);
  }
  /** HEAD `url`. */
  head(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.request("HEAD", url, options);
  }
  /** OPTIONS `url`. */
  options(url: string | URL, options?: RequestOptions): Promise<HttpResponse> {
    return this.request("OPTIONS", url, options);
  }

  /** Any method. Rejects with an HttpError subclass whose code says what failed and whose message names the URL. */
  async request(method: string, path: string | URL, opts: RequestOptions = {}): Promise<HttpResponse> {
    method = method.toUpperCase();
    const o = { ...this.#options, ...opts };
    let url = buildUrl(path, this.baseURL, { ...this.#options.params, ...opts.params });
    if (this.#closed)
      throw new ClientClosedError(`${method} ${url.href}: the client is closed`, { method, url: url.href });
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new RequestError(`${method} ${url.href}: only http and https URLs`, { method, url: url.href });
    const prepared = prepareBody(opts, { method, url: url.href });
    const auth = opts.auth === null ? null : (opts.auth ?? this.#options.auth);
    const cred = auth ? credentials(auth, { method, url: url.href }) : null;
    const timeout = o.timeout ?? DEFAULT_TIMEOUT;
    const maxRedirects = o.maxRedirects ?? 10;
    const controller = new AbortController();
    const signal = opts.signal ? AbortSignal.any([controller.signal, opts.signal]) : controller.signal;
    this.#inflight.add(controller);
    const timer = timeout > 0 ? setTimeout(() => controller.abort(TIMEOUT), timeout) : undefined;
    const started = performance.now();
    const origin = url.origin;
    const history: HttpResponse[] = [];
    let { body, contentType, bytes: bodyBytes } = prepared;
    let digestTries = 0;
    // True while this hop is retried to answer the challenge its 401 just gave: a refusal of that answer is final.
    let challenged = false;
    let bodyDropped = false;
    let handedOff = false;
    // This hop's slot in the origin's line (poolSize), given back once its body is read.
    let release: (() => void) | undefined;
    try {
      for (;;) {
        const req: PreparedRequest = { method, url, headers: this.#headersFor(url, opts, contentType), body };
        if (bodyDropped) for (const name of BODY_HEADERS) req.headers.delete(name);
        const sameOrigin = url.origin === origin;
        let sentDigest: DigestAnswer = "none";
        if (!sameOrigin)
          req.headers.delete("authorization"); // never leak credentials to another host
        else if (cred && !req.headers.has("authorization")) {
          const header = preemptive(cred) ?? this.#digest.header(url, method, cred, bodyBytes);
          if (header) req.headers.set("authorization", header);
          if (cred.scheme === "digest" && header !== null) sentDigest = challenged ? "fresh" : "cached";
        }
        for (const hook of this.hooks.beforeRequest) await hook(req);
        let raw: Response;
        try {
          if (this.#slots) release = await this.#slots.acquire(req.url.origin, signal);
          const proxy = this.#proxyFor(req.url, o);
          raw = await this.#session.fetch(req.url, {
            method: req.method,
            headers: req.headers,
            body: req.body ?? null,
            redirect: "manual",
            signal,
            // Bun applies NO_PROXY to an explicit proxy too, unless told not to: the choice is already made.
            proxy: proxy ? { url: proxy, respectNoProxy: false } : false,
            decompress: o.decompress ?? true,
            ...this.#tls(o),
          });
        } catch (err) {
          throw classify(err, method, req.url.href, controller.signal.reason, timeout);
        }
        const cookies = this.#storeCookies(raw, req.url);
        const hop = (bytes: Uint8Array) =>
          new HttpResponse({
            raw,
            method,
            url: req.url.href,
            elapsed: performance.now() - started,
            history: [],
            cookies,
            bytes,
          });

        if (raw.status === 401 && cred?.scheme === "digest" && digestTries < 2 && sameOrigin) {
          if (this.#digest.learn(url, raw.headers.get("www-authenticate"), sentDigest)) {
            digestTries++;
            challenged = true;
            this.#mustReplay(prepared.replayable, method, url, "answer a Digest challenge");
            history.push(hop(await this.#read(raw, method, url.href, controller, timeout)));
            release?.();
            continue;
          }
        }
        const location = raw.headers.get("location");
        if ((o.redirect ?? "follow") === "follow" && REDIRECTS.has(raw.status) && location) {
          await this.#read(raw, method, url.href, controller, timeout);
          release?.();
          history.push(hop(new Uint8Array()));
          if (history.filter((h) => REDIRECTS.has(h.status)).length > maxRedirects) {
            const chain = history.slice(0, 3).map((h) => h.url);
            throw new TooManyRedirectsError(
              `${method} ${history[0]?.url}: more than ${maxRedirects} redirects (${chain.join(" → ")} → …)`,
              { method, url: history[0]?.url ?? url.href },
            );
          }
          const next = new URL(location, url);
          // requests' (and browsers') rules: 303 becomes GET, and so do 301/302 after a POST.
          if (
            (raw.status === 303 && method !== "HEAD") ||
            ((raw.status === 301 || raw.status === 302) && method === "POST")
          ) {
            method = "GET";
            body = undefined;
            contentType = undefined;
            bodyBytes = new Uint8Array();
            bodyDropped = true; // a user-set Content-Type would describe a body no longer sent (requests drops it too)
          } else if (body !== undefined) this.#mustReplay(prepared.replayable, method, url, `follow a ${raw.status}`);
          url = next;
          // Each hop may guard another realm: it gets its own two tries (maxRedirects bounds the hops).
          challenged = false;
          digestTries = 0;
          continue;
        }

        let response: HttpResponse;
        const elapsed = performance.now() - started;
        if (opts.stream) {
          clearTimeout(timer);
          handedOff = true;
          const slot = release;
          // An abort (the request's signal, or close()) ends the body: its slot comes back, read or not.
          if (slot) signal.addEventListener("abort", slot, { once: true });
          response = new HttpResponse({
            raw,
            method,
            url: url.href,
            elapsed,
            history,
            cookies,
            stream: {
              timeout,
              abort: (reason) => controller.abort(reason),
              reason: () => controller.signal.reason,
              done: () => {
                slot?.();
                this.#inflight.delete(controller);
              },
            },
          });
        } else {
          const bytes = await this.#read(raw, method, url.href, controller, timeout);
          release?.();
          response = new HttpResponse({ raw, method, url: url.href, elapsed, history, cookies, bytes });
        }
        for (const hook of this.hooks.afterResponse) response = (await hook(response)) ?? response;
        return response;
      }
    } finally {
      clearTimeout(timer);
      if (!handedOff) {
        release?.();
        this.#inflight.delete(controller);
      }
    }
  }

  /** Open a websocket (`ws://`/`wss://`, or `http(s)://` and relative URLs mapped to them) with the session's headers and cookies. */
  async websocket(path: string | URL, options: WebSocketOptions = {}): Promise<WebSocketClient> {
    const url = buildUrl(path, this.baseURL);
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    if (this.#closed)
      throw new ClientClosedError(`websocket ${url.href}: the client is closed`, { method: "GET", url: url.href });
    const headers = this.#headersFor(url, { headers: options.headers });
    const cred = this.#options.auth ? credentials(this.#options.auth, { method: "GET", url: url.href }) : null;
    const auth = cred ? preemptive(cred) : null;
    if (auth && !headers.has("authorization")) headers.set("authorization", auth);
    const proxy = this.#proxyFor(url, this.#options);
    const tls = this.#tls(this.#options).tls;
    const ws = await WsClient.open(url.href, {
      headers,
      ...(options.protocols ? { protocols: options.protocols } : {}),
      timeout: options.timeout ?? this.#options.timeout ?? DEFAULT_TIMEOUT,
      ...(tls ? { tls } : {}),
      ...(proxy ? { proxy } : {}),
    });
    this.#sockets.add(ws);
    ws.closed.then(() => this.#sockets.delete(ws));
    return ws;
  }

  /** Abort requests in flight, close open websockets and the idle connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#inflight) c.abort(CLOSED);
    this.#inflight.clear();
    await Promise.all([...this.#sockets].map((ws) => ws.close(1001, "client closed")));
    this.#session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #headersFor(
    url: URL,
    opts: { headers?: HeadersInit; cookies?: Record<string, string> },
    contentType?: string,
  ): Headers {
    const headers = new Headers(this.headers);
    new Headers(opts.headers).forEach((v, k) => {
      headers.set(k, v);
    });
    if (contentType && !headers.has("content-type")) headers.set("content-type", contentType);
    // A request's cookie replaces the session's cookie of that name, as in requests.
    const extra = opts.cookies ?? {};
    const jar = this.cookies.matching(url).filter((c) => !Object.hasOwn(extra, c.name));
    const pairs = [...jar.map((c) => [c.name, c.value]), ...Object.entries(extra)].map(([k, v]) => `${k}=${v}`);
    const cookie = [headers.get("cookie"), ...pairs].filter(Boolean).join("; ");
    if (cookie) headers.set("cookie", cookie);
    return headers;
  }

  #storeCookies(raw: Response, url: URL): Record<string, string> {
    const set: Record<string, string> = {};
    for (const header of raw.headers.getSetCookie()) {
      const c = this.cookies.setCookie(header, url);
      if (c) set[c.name] = c.value;
    }
    return set;
  }

  #proxyFor(url: URL, o: CommonOptions & { trustEnv?: boolean }): ProxyOption {
    if (o.proxy !== undefined) return o.proxy;
    return (this.#options.trustEnv ?? true) ? proxyFromEnv(url) : false;
  }

  #tls(o: TlsOptions): { tls?: { rejectUnauthorized: boolean; ca?: TlsOptions["ca"] } } {
    if (o.verify === undefined && o.ca === undefined) return {};
    return { tls: { rejectUnauthorized: o.verify ?? true, ...(o.ca !== undefined ? { ca: o.ca } : {}) } };
  }

  /** Read a whole body under the request's timeout, turning failures into coded errors. */
  async #read(raw: Response, method: string, url: string, controller: AbortController, timeout: number) {
    try {
      return new Uint8Array(await raw.arrayBuffer());
    } catch (err) {
      throw classify(err, method, url, controller.signal.reason, timeout);
    }
  }

  #mustReplay(replayable: boolean, method: string, url: URL, why: string): void {
    if (!replayable)
      throw new RequestError(
        `${method} ${url.href}: a streamed body cannot be sent twice to ${why}; send bytes instead`,
        {
          method,
          url: url.href,
        },
      );
  }
}

/**
 * The client's websocket: Bun's WebSocket opened with the session's headers,
 * cookies, TLS and proxy settings, read as an async iterator of messages.
 * Messages that arrive before anyone reads are queued, so none is lost
 * between `await http.websocket(...)` and the first `for await`.
 */
import { WebSocketError } from "./errors.ts";
import { ignoringNoProxy } from "./proxy-env.ts";

/** A received message: text frames as strings, binary frames as bytes. */
export type WsMessage = string | Uint8Array;

/** Options for `http.websocket(url, options)`. */
export interface WebSocketOptions {
  headers?: HeadersInit;
  /** Sub-protocols to offer; the server's pick is `ws.protocol`. */
  protocols?: string | string[];
  /** Ms to wait for the handshake (default: the client's timeout). */
  timeout?: number;
}

/** What the client passes to open a socket. */
export interface WebSocketInit {
  headers: Headers;
  protocols?: string | string[];
  timeout: number;
  tls?: Record<string, unknown>;
  proxy?: string | URL;
}

/** Bun's constructor takes options (headers, tls, proxy) where the DOM typing has only protocols. */
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

type Waiter = { resolve(r: IteratorResult<WsMessage>): void; reject(e: unknown): void };

/**
 * An open websocket: `send`, `receive`, `close`, and `for await` over its messages.
 * @example
 * await using ws = await http.websocket("/websocket/echo");
 * ws.send("hi");
 * for await (const msg of ws) { console.log(msg); break; }
 */
export class WebSocketClient implements AsyncIterable<WsMessage> {
  readonly url: string;
  #ws: WebSocket;
  #queue: WsMessage[] = [];
  #waiters: Waiter[] = [];
  #error: WebSocketError | null = null;
  #closed = false;
  #closedEvent: Promise<CloseEvent>;
  /** The close code and reason, once closed. */
  closeCode: number | undefined;
  closeReason: string | undefined;

  private constructor(ws: WebSocket, url: string) {
    this.#ws = ws;
    this.url = url;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (ev) => {
      const msg = typeof ev.data === "string" ? ev.data : new Uint8Array(ev.data as ArrayBuffer);
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve({ value: msg, done: false });
      else this.#queue.push(msg);
    });
    ws.addEventListener("error", () => {
      this.#error ??= new WebSocketError(`websocket ${url} failed`, { method: "GET", url });
    });
    this.#closedEvent = new Promise((resolve) =>
      ws.addEventListener("close", (ev) => {
        this.#closed = true;
        this.closeCode = ev.code;
        this.closeReason = ev.reason;
        // 1000/1001/1005 are orderly ends; anything else ends the iterator with an error.
        const orderly = ev.code === 1000 || ev.code === 1001 || ev.code === 1005;
        for (const w of this.#waiters.splice(0)) {
          if (orderly || !this.#error) w.resolve({ value: undefined, done: true });
          else w.reject(this.#error);
        }
        resolve(ev);
      }),
    );
  }

  /** Open a websocket and wait for the handshake; rejects with a WebSocketError naming the URL. */
  static open(url: string, init: WebSocketInit): Promise<WebSocketClient> {
    const headers: Record<string, string> = {};
    init.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const options = {
      headers,
      ...(init.protocols ? { protocols: init.protocols } : {}),
      ...(init.tls ? { tls: init.tls } : {}),
      ...(init.proxy ? { proxy: init.proxy } : {}),
    };
    // A proxy the client chose is used even for a host NO_PROXY lists (see ignoringNoProxy).
    const ws = init.proxy ? ignoringNoProxy(() => new BunWebSocket(url, options)) : new BunWebSocket(url, options);
    const client = new WebSocketClient(ws, url);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        ws.removeEventListener("open", onOpen);
        reject(new WebSocketError(`websocket ${url}: ${why}`, { method: "GET", url }));
      };
      const timer =
        init.timeout > 0
          ? setTimeout(() => {
              fail(`no handshake within ${init.timeout} ms`);
              ws.close();
            }, init.timeout)
          : undefined;
      const onOpen = () => {
        clearTimeout(timer);
        resolve(client);
      };
      let why = "";
      ws.addEventListener("error", (ev) => {
        // Bun's message ends with the cause: "…failed: Expected 101 status code: 404".
        why = String((ev as ErrorEvent).message ?? "").replace(/^WebSocket connection to '[^']*' failed: /, "");
      });
      ws.addEventListener("open", onOpen, { once: true });
      ws.addEventListener(
        "close",
        (ev) => {
          if (ws.readyState !== WebSocket.OPEN) fail(`could not open (${why || ev.reason || `code ${ev.code}`})`);
        },
        { once: true },
      );
    });
  }

  /** The sub-protocol the server chose ("" when none). */
  get protocol(): string {
    return this.#ws.protocol;
  }

  /** Is the socket open? */
  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Send a text or binary message; throws a WebSocketError once the socket is closed. */
  send(data: string | Uint8Array | ArrayBuffer): void {
    if (this.#ws.readyState !== WebSocket.OPEN)
      throw new WebSocketError(`websocket ${this.url}: cannot send, the socket is closed`, {
        method: "GET",
        url: this.url,
      });
    this.#ws.send(data);
  }

  /** The next message, or undefined when the socket closed; a WebSocketError after `timeout` ms. */
  async receive(timeout?: number): Promise<WsMessage | undefined> {
    const next = this.#next();
    if (!timeout) return (await next).value;
    let timer: Timer | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new WebSocketError(`websocket ${this.url}: no message within ${timeout} ms`, {
              method: "GET",
              url: this.url,
            }),
          ),
        timeout,
      );
    });
    try {
      return (await Promise.race([next, late])).value;
    } finally {
      clearTimeout(timer);
    }
  }

  #next(): Promise<IteratorResult<WsMessage>> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<WsMessage> {
    return { next: () => this.#next() };
  }

  /** Close (code 1000 by default) and wait for the closing handshake. */
  async close(code = 1000, reason = ""): Promise<void> {
    if (!this.#closed && this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close(code, reason);
    await this.#closedEvent;
  }

  /** Resolves when the socket has closed, by either side. */
  get closed(): Promise<void> {
    return this.#closedEvent.then(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

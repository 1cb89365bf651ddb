/**
 * HttpResponse: what the client returns. Buffered by default (the body is read
 * within the request's timeout, and `text()` can be called twice); with
 * `stream: true` the body is an async iterator of chunks, each awaited with the
 * timeout as an idle limit.
 */
import { BodyError, classify, HttpStatusError, TIMEOUT } from "./errors.ts";

/** How a streamed body is read: the client's abort controller and the idle timeout. */
export interface StreamControl {
  timeout: number;
  abort(reason: unknown): void;
  reason(): unknown;
  done(): void;
}

export interface ResponseInit {
  raw: Response;
  method: string;
  url: string;
  elapsed: number;
  history: HttpResponse[];
  cookies: Record<string, string>;
  bytes?: Uint8Array;
  stream?: StreamControl;
}

/**
 * One HTTP response.
 * @example
 * const r = await http.get("/get", { params: { a: 1 } });
 * r.raiseForStatus();
 * console.log(r.status, r.elapsed, (await r.json()).args);
 */
export class HttpResponse implements AsyncIterable<Uint8Array> {
  /** The HTTP status code. */
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** The final URL, after redirects. */
  readonly url: string;
  /** The method of the final request (a 303 turns POST into GET). */
  readonly method: string;
  /** Milliseconds from sending the first request to the final response's headers. */
  readonly elapsed: number;
  /** The redirect (and Digest challenge) responses that led here, oldest first. */
  readonly history: HttpResponse[];
  /** Cookies this response set (name → value); the session's jar holds them all. */
  readonly cookies: Record<string, string>;
  /** Bun's own Response, for what this class does not cover. */
  readonly raw: Response;
  #bytes: Uint8Array | undefined;
  #stream: StreamControl | undefined;
  #used = false;

  constructor(init: ResponseInit) {
    this.raw = init.raw;
    this.status = init.raw.status;
    this.statusText = init.raw.statusText;
    this.headers = init.raw.headers;
    this.url = init.url;
    this.method = init.method;
    this.elapsed = init.elapsed;
    this.history = init.history;
    this.cookies = init.cookies;
    this.#bytes = init.bytes;
    this.#stream = init.stream;
  }

  /** Status 200 to 299. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** Was the request redirected on its way here? */
  get redirected(): boolean {
    return this.history.some((r) => r.status >= 300 && r.status < 400);
  }

  /** Throw an HttpStatusError for a 4xx or 5xx answer; return the response otherwise. */
  raiseForStatus(): this {
    if (this.status >= 400) {
      const kind = this.status >= 500 ? "server error" : "client error";
      throw new HttpStatusError(`${this.status} ${this.statusText || kind} for ${this.method} ${this.url}`, {
        method: this.method,
        url: this.url,
        status: this.status,
      });
    }
    return this;
  }

  /** The body's chunks as they arrive (a buffered body comes as one chunk). */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#bytes) {
      if (this.#bytes.byteLength) yield this.#bytes;
      return;
    }
    const at = { method: this.method, url: this.url };
    if (this.#used) throw new BodyError(`${at.method} ${at.url}: the streamed body was already read`, at);
    this.#used = true;
    const control = this.#stream as StreamControl;
    const reader = this.raw.body?.getReader();
    let finished = false;
    try {
      if (!reader) {
        finished = true;
        return;
      }
      for (;;) {
        const timer = control.timeout > 0 ? setTimeout(() => control.abort(TIMEOUT), control.timeout) : undefined;
        let chunk: { done: boolean; value?: Uint8Array };
        try {
          chunk = await reader.read();
        } catch (err) {
          finished = true;
          throw classify(err, at.method, at.url, control.reason(), control.timeout);
        } finally {
          clearTimeout(timer);
        }
        if (chunk.done) {
          finished = true;
          return;
        }
        if (chunk.value) yield chunk.value;
      }
    } finally {
      // Stopped early (break in a for-await): release the connection rather than leave it half-read.
      if (!finished) await reader?.cancel().catch(() => {});
      control.done();
    }
  }

  /** The body as text, line by line (without the line ends), as it streams. */
  async *lines(): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of this) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split(/\r?\n/);
      rest = parts.pop() ?? "";
      yield* parts;
    }
    rest += decoder.decode();
    if (rest) yield rest;
  }

  /** The whole body as bytes. */
  async bytes(): Promise<Uint8Array> {
    if (this.#bytes) return this.#bytes;
    const chunks: Uint8Array[] = [];
    for await (const c of this) chunks.push(c);
    this.#bytes = Buffer.concat(chunks);
    return this.#bytes;
  }

  /** The whole body, decoded as UTF-8. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  /** The body parsed as JSON; a BodyError (E_HTTP_BODY) quoting the start of the body if it is not JSON. */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      const start = text.length > 60 ? `${text.slice(0, 60)}…` : text;
      throw new BodyError(
        `${this.method} ${this.url}: the body is not JSON (${(err as Error).message}): ${JSON.stringify(start)}`,
        { method: this.method, url: this.url, status: this.status },
      );
    }
  }
}

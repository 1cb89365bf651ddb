/**
 * Request bodies, read off the client's socket as they arrive: framing by
 * Content-Length or chunked transfer coding (RFC 9112 §6–7), decoded into a
 * ReadableStream that fetch sends upstream. Backpressure: when the stream's
 * queue is full the client socket is paused, and it resumes when fetch pulls.
 */
import { HeadError, type RequestHead } from "./head.ts";

/** Bytes queued toward the upstream before the client is paused. */
const HIGH_WATER = 1 << 20;
/** Longest chunk-size line (with extensions) or trailer line accepted. */
const MAX_LINE = 4096;

export type Framing = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" };

/**
 * How the request body is framed; ambiguous framing (the request-smuggling
 * shapes) is refused rather than guessed.
 */
export function framingOf(head: RequestHead): Framing {
  const te = head.fields.filter(([k]) => k === "transfer-encoding").map(([, v]) => v);
  const cl = head.fields.filter(([k]) => k === "content-length").map(([, v]) => v);
  if (te.length > 0) {
    if (cl.length > 0) throw new HeadError(400, "both Transfer-Encoding and Content-Length: ambiguous framing");
    const codings = te
      .join(",")
      .split(",")
      .map((c) => c.trim().toLowerCase());
    if (codings.length !== 1 || codings[0] !== "chunked")
      throw new HeadError(
        codings.at(-1) === "chunked" ? 501 : 400,
        `unsupported Transfer-Encoding ${JSON.stringify(te.join(", "))}: only chunked`,
      );
    return { kind: "chunked" };
  }
  if (cl.length === 0) return { kind: "none" };
  const values = new Set(cl.flatMap((v) => v.split(",").map((x) => x.trim())));
  const [only] = values;
  if (values.size !== 1 || !only || !/^\d{1,15}$/.test(only))
    throw new HeadError(400, `malformed Content-Length ${JSON.stringify(cl.join(", "))}`);
  const length = Number(only);
  return length === 0 ? { kind: "none" } : { kind: "length", length };
}

/** What the body reader tells the connection after each feed. */
export interface Fed {
  /** Bytes of the input that belonged to the body; the rest is the next request. */
  used: number;
  done: boolean;
}

/** The flow control a body needs from its socket. */
export interface Flow {
  pause(): void;
  resume(): void;
}

/**
 * One request body: feed it socket bytes, read it as `stream`.
 * @example const body = new BodyReader({ kind: "length", length: 3 }, socketFlow); body.feed(bytes)
 */
export class BodyReader {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #remaining = 0;
  #state: "size" | "data" | "data-crlf" | "trailer" | "done" = "size";
  #line = "";
  #cancelled = false;

  constructor(
    private readonly framing: Framing,
    private readonly flow: Flow,
  ) {
    if (framing.kind === "length") {
      this.#remaining = framing.length;
      this.#state = "data";
    }
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.#controller = c;
        },
        pull: () => this.flow.resume(),
        cancel: () => {
          this.#cancelled = true;
          this.flow.resume();
        },
      },
      { highWaterMark: HIGH_WATER, size: (chunk) => chunk?.byteLength ?? 0 },
    );
  }

  get done(): boolean {
    return this.#state === "done";
  }

  /** Fail the stream (the client went away mid-body): fetch aborts the upload. */
  fail(reason: string): void {
    if (this.#state === "done" || this.#cancelled) return;
    this.#state = "done";
    try {
      this.#controller.error(new Error(reason));
    } catch {}
  }

  /** Take body bytes from `buf`; throws HeadError on a malformed chunked body. */
  feed(buf: Uint8Array): Fed {
    let i = 0;
    while (i < buf.length && this.#state !== "done") {
      if (this.#state === "data") {
        const n = Math.min(this.#remaining, buf.length - i);
        this.#push(buf.subarray(i, i + n));
        i += n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = this.framing.kind === "length" ? "done" : "data-crlf";
        continue;
      }
      if (this.#state === "data-crlf") {
        // Exactly CRLF: checked byte by byte, so garbage fails at once rather than at the next LF.
        const want = this.#line === "" ? 13 : 10;
        if (buf[i] !== want) throw new HeadError(400, "chunked body: missing CRLF after chunk data");
        i++;
        if (want === 13) this.#line = "\r";
        else {
          this.#line = "";
          this.#state = "size";
        }
        continue;
      }
      // size and trailer are line-based.
      const lf = buf.indexOf(10, i);
      const end = lf < 0 ? buf.length : lf + 1;
      this.#line += Buffer.from(buf.buffer, buf.byteOffset + i, end - i).toString("latin1");
      i = end;
      if (this.#line.length > MAX_LINE) throw new HeadError(400, "chunked body: line too long");
      if (lf < 0) break;
      const line = this.#line.endsWith("\r\n") ? this.#line.slice(0, -2) : null;
      this.#line = "";
      if (line === null) throw new HeadError(400, "chunked body: bare LF");
      this.#line_(line);
    }
    if (this.#state === "done") this.#close();
    return { used: i, done: this.#state === "done" };
  }

  #line_(line: string): void {
    if (this.#state === "size") {
      const size = line.split(";")[0]?.trim() ?? "";
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new HeadError(400, `chunked body: bad chunk size ${size}`);
      this.#remaining = Number.parseInt(size, 16);
      this.#state = this.#remaining === 0 ? "trailer" : "data";
    } else if (this.#state === "trailer" && line === "") this.#state = "done";
    // Trailer fields are dropped: fetch has no way to send them upstream.
  }

  #push(chunk: Uint8Array): void {
    if (this.#cancelled || chunk.length === 0) return;
    this.#controller.enqueue(chunk);
    if ((this.#controller.desiredSize ?? 1) <= 0) this.flow.pause();
  }

  #close(): void {
    if (this.#cancelled) return;
    try {
      this.#controller.close();
    } catch {}
  }
}

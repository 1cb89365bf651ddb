/**
 * Request bodies, read off the client's socket as they arrive: framing by
 * Content-Length or chunked transfer coding (RFC 9112 §6–7), decoded into a
 * ReadableStream that fetch sends upstream. Backpressure: when the stream's
 * queue is full the client socket is paused, and it resumes when fetch pulls.
 */
import { HeadError, latin1, type RequestHead } from "./head.ts";

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
  const { te, cl } = framingFields(head.fields);
  if (te !== undefined) {
    if (cl !== undefined) throw new HeadError(400, "both Transfer-Encoding and Content-Length: ambiguous framing");
    const codings = te.split(",").map((c) => c.trim().toLowerCase());
    if (codings.length !== 1 || codings[0] !== "chunked")
      throw new HeadError(
        codings.at(-1) === "chunked" ? 501 : 400,
        `unsupported Transfer-Encoding ${JSON.stringify(te)}: only chunked`,
      );
    return { kind: "chunked" };
  }
  if (cl === undefined) return { kind: "none" };
  const length = contentLength(cl);
  if (length === undefined) throw new HeadError(400, `malformed Content-Length ${JSON.stringify(cl)}`);
  return length === 0 ? NONE : { kind: "length", length };
}

const NONE: Framing = { kind: "none" };

const CRLF = Buffer.from("\r\n");
/** The chunk that ends a chunked body (no trailers). */
export const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/** `part` framed as one chunk of a chunked body. */
export function asChunk(part: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, CRLF]);
}

/**
 * Transfer-Encoding and Content-Length of a head, repeats joined with ", ".
 * One pass, no arrays: most requests carry neither.
 */
export function framingFields(fields: [string, string][]): { te?: string; cl?: string } {
  let te: string | undefined;
  let cl: string | undefined;
  for (const [k, v] of fields) {
    if (k === "transfer-encoding") te = te === undefined ? v : `${te}, ${v}`;
    else if (k === "content-length") cl = cl === undefined ? v : `${cl}, ${v}`;
  }
  return { te, cl };
}

/**
 * A Content-Length value (repeats joined with ", "): its length when every
 * repeat agrees and is a decimal number, else undefined.
 */
export function contentLength(value: string): number | undefined {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const values = new Set(value.split(",").map((x) => x.trim()));
  const [only] = values;
  return values.size === 1 && only && /^\d{1,15}$/.test(only) ? Number(only) : undefined;
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

/** How a message body ends: the request framings, plus "close" (until the peer closes), which only responses use. */
export type BodyFraming = Framing | { kind: "close" };

/**
 * The framing state machine, for request and response bodies alike: feed it
 * socket bytes and it emits the body's bytes, chunk framing removed, and
 * says where the body ends. Throws HeadError on a malformed chunked body.
 * @example const f = new Framer({ kind: "length", length: 3 }); f.feed(bytes, (part) => out.push(part))
 */
export class Framer {
  #remaining = 0;
  #state: "size" | "data" | "data-crlf" | "trailer" | "done" | "close" = "size";
  #line = "";

  constructor(private readonly framing: BodyFraming) {
    if (framing.kind === "length") {
      this.#remaining = framing.length;
      // Content-Length: 0 is complete before any byte (an empty 200, a redirect): no read will come to finish it.
      this.#state = framing.length === 0 ? "done" : "data";
    } else if (framing.kind === "none") this.#state = "done";
    else if (framing.kind === "close") this.#state = "close";
  }

  get done(): boolean {
    return this.#state === "done";
  }

  /** Take body bytes from `buf`, emitting them; returns how many bytes belonged to the body. */
  feed(buf: Uint8Array, emit: (part: Uint8Array) => void): number {
    if (this.#state === "close") {
      if (buf.length > 0) emit(buf);
      return buf.length;
    }
    let i = 0;
    while (i < buf.length && this.#state !== "done") {
      if (this.#state === "data") {
        const n = Math.min(this.#remaining, buf.length - i);
        if (n > 0) emit(n === buf.length ? buf : buf.subarray(i, i + n));
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
      this.#line += latin1(buf, end, i);
      i = end;
      if (this.#line.length > MAX_LINE) throw new HeadError(400, "chunked body: line too long");
      if (lf < 0) break;
      const line = this.#line.endsWith("\r\n") ? this.#line.slice(0, -2) : null;
      this.#line = "";
      if (line === null) throw new HeadError(400, "chunked body: bare LF");
      this.#onLine(line);
    }
    return i;
  }

  #onLine(line: string): void {
    if (this.#state === "size") {
      const size = line.split(";")[0]?.trim() ?? "";
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new HeadError(400, `chunked body: bad chunk size ${size}`);
      this.#remaining = Number.parseInt(size, 16);
      this.#state = this.#remaining === 0 ? "trailer" : "data";
    } else if (this.#state === "trailer" && line === "") this.#state = "done";
    // Trailer fields are dropped: neither fetch nor the re-framed chunked output carries them.
  }
}

/**
 * One request body: feed it socket bytes, read it as `stream`.
 * @example const body = new BodyReader({ kind: "length", length: 3 }, socketFlow); body.feed(bytes)
 */
export class BodyReader {
  readonly stream: ReadableStream<Uint8Array>;
  readonly framer: Framer;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #cancelled = false;
  #failed = false;
  readonly #push = (chunk: Uint8Array) => {
    if (this.#cancelled) return;
    this.#controller.enqueue(chunk);
    if ((this.#controller.desiredSize ?? 1) <= 0) this.flow.pause();
  };

  constructor(
    readonly framing: Framing,
    private readonly flow: Flow,
  ) {
    this.framer = new Framer(framing);
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
    return this.#failed || this.framer.done;
  }

  /** Fail the stream (the client went away mid-body): the upload is aborted. */
  fail(reason: string): void {
    if (this.done || this.#cancelled) return;
    this.#failed = true;
    try {
      this.#controller.error(new Error(reason));
    } catch {}
  }

  /** Take body bytes from `buf`; throws HeadError on a malformed chunked body. */
  feed(buf: Uint8Array): Fed {
    const used = this.framer.feed(buf, this.#push);
    const done = this.framer.done;
    if (done && !this.#cancelled) {
      try {
        this.#controller.close();
      } catch {}
    }
    return { used, done };
  }
}

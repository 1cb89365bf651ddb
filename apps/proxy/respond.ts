/**
 * Writing responses to the client socket: the proxy's own short plain-text
 * errors, and an upstream's fetch Response re-framed for the client
 * (Content-Length when known, chunked for HTTP/1.1, close-delimited for 1.0),
 * streamed through a Writer so a slow client slows the upstream read. The
 * same rules serve a fetch Response (https upstreams) and a response read
 * off a pooled origin connection (ResponseRelay, plain http).
 */
import { STATUS_CODES } from "node:http";
import { asChunk, type BodyFraming, LAST_CHUNK } from "./body.ts";
import type { ResponseHead } from "./head.ts";
import { forwardResponseFields } from "./headers.ts";
import type { ResponseSink } from "./origin.ts";
import type { Writer } from "./writer.ts";

/** A body up to this size is read whole and written with the head in one write. */
const SMALL = 64 * 1024;

/** The head of a response: status line and fields. */
export function responseHead(status: number, reason: string, fields: [string, string][]): string {
  let s = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [k, v] of fields) s += `${k}: ${v}\r\n`;
  return `${s}\r\n`;
}

/** The reason phrase for `status`. */
export function reasonOf(status: number, given?: string): string {
  return given || STATUS_CODES[status] || "Unknown";
}

/**
 * One of the proxy's own answers: `status` with a one-line plain-text body
 * saying why. Returns the bytes of the body.
 * @example writeError(writer, 502, "cannot connect to example.com:80", "pulsar", true)
 */
export function writeError(
  writer: Writer,
  status: number,
  why: string,
  via: string,
  close: boolean,
  extra: [string, string][] = [],
): number {
  const body = Buffer.from(`${why}\n`);
  const fields: [string, string][] = [
    ["content-type", "text/plain; charset=utf-8"],
    ["content-length", String(body.length)],
    ["via", `1.1 ${via}`],
    ...extra,
  ];
  if (close) fields.push(["connection", "close"]);
  writer.write(responseHead(status, reasonOf(status), fields));
  writer.write(body);
  return body.length;
}

export interface Relay {
  writer: Writer;
  via: string;
  /** The client's request method (HEAD has no body) and HTTP minor version. */
  method: string;
  minor: 0 | 1;
  /** Keep the connection open after this response, if the framing allows. */
  keep: boolean;
  /** The client went away: stop reading the upstream. */
  gone(): boolean;
}

/** What was relayed: bytes of body, and whether the connection may stay open. */
export interface Relayed {
  bytes: number;
  keep: boolean;
}

/**
 * Relay a fetch Response (an https upstream) to the client, by the same
 * rules as a pooled origin's. Throws if the upstream body fails mid-way.
 */
export async function relayResponse(res: Response, r: Relay): Promise<Relayed> {
  const status = res.status;
  const fields = [...(res.headers as unknown as Iterable<[string, string]>)];
  const length = res.headers.get("content-length");
  const framing: BodyFraming =
    r.method === "HEAD" || status === 204 || status === 304 || status < 200
      ? { kind: "none" }
      : length !== null
        ? { kind: "length", length: Number(length) }
        : { kind: "close" };
  const relay = new ResponseRelay(r);
  relay.head({ status, reason: res.statusText, minor: 1, fields }, framing);
  if (framing.kind === "none" || !res.body) {
    res.body?.cancel().catch(() => {});
    relay.end();
    return { bytes: 0, keep: relay.keep };
  }
  if (framing.kind === "length" && framing.length <= SMALL) {
    relay.data(new Uint8Array(await res.arrayBuffer()));
    relay.end();
    return { bytes: relay.bytes, keep: relay.keep };
  }
  relay.flush();
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (r.gone()) {
        await reader.cancel();
        return { bytes: relay.bytes, keep: false };
      }
      if (!relay.data(value)) await r.writer.flushed();
    }
  } finally {
    reader.releaseLock();
  }
  relay.end();
  return { bytes: relay.bytes, keep: relay.keep };
}

/**
 * A response from a pooled origin connection, relayed to the client as it
 * arrives. The head is held until the end of the socket read that carried
 * it, so a small response goes out in one write with its body.
 * @example const relay = new ResponseRelay(relayOptions); await conn.send(head, undefined, "GET", relay, 30_000)
 */
export class ResponseRelay implements ResponseSink {
  status = 0;
  /** Body bytes written. */
  bytes = 0;
  keep: boolean;
  /** Something reached the client: a failure now can only cut the response short. */
  sent = false;
  /** The head, held until the end of the read that carried it (latin1: one char per byte). */
  #pending: string | undefined;
  #chunked = false;

  constructor(private readonly r: Relay) {
    this.keep = r.keep;
  }

  head(h: ResponseHead, framing: BodyFraming): void {
    const fields = forwardResponseFields(h.fields, this.r.via);
    this.status = h.status;
    if (framing.kind === "length") fields.push(["content-length", String(framing.length)]);
    else if (framing.kind === "none") {
      // A HEAD response's Content-Length describes the body that was not sent.
      if (this.r.method === "HEAD") for (const [k, v] of h.fields) if (k === "content-length") fields.push([k, v]);
    } else if (this.r.minor === 1) {
      fields.push(["transfer-encoding", "chunked"]);
      this.#chunked = true;
    } else this.keep = false;
    if (!this.keep) fields.push(["connection", "close"]);
    this.#pending = responseHead(h.status, reasonOf(h.status, h.reason), fields);
  }

  data(part: Uint8Array): boolean {
    this.bytes += part.length;
    const framed = this.#chunked ? asChunk(part) : part;
    this.sent = true;
    if (this.#pending === undefined) return this.r.writer.write(framed);
    return this.r.writer.write(this.#withHead(framed));
  }

  /** The held head and `bytes` in one buffer: one write, one allocation. */
  #withHead(bytes: Uint8Array): Buffer {
    const head = this.#pending as string;
    this.#pending = undefined;
    const out = Buffer.allocUnsafe(head.length + bytes.length);
    out.write(head, 0, "latin1");
    out.set(bytes, head.length);
    return out;
  }

  drained(resume: () => void): void {
    this.r.writer.onFlushed = resume;
  }

  flush(): void {
    if (this.#pending === undefined) return;
    this.r.writer.write(this.#pending);
    this.#pending = undefined;
    this.sent = true;
  }

  end(): void {
    if (!this.#chunked) {
      this.flush();
      return;
    }
    this.r.writer.write(this.#pending === undefined ? LAST_CHUNK : this.#withHead(LAST_CHUNK));
    this.sent = true;
  }
}

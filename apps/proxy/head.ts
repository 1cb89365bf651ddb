/**
 * A small, strict HTTP/1.1 request-head parser for the proxy's front end.
 * Bun.serve cannot hand a CONNECT socket over (see index.ts), so the proxy
 * reads heads itself: request line and header fields only, with limits on
 * size and count, and a specific reason for every refusal. Bodies are framed
 * by body.ts from what this returns.
 */

/** Largest request head (request line + fields) the proxy reads: nginx's default large buffer. */
export const MAX_HEAD = 64 * 1024;
/** Most header fields in one request. */
export const MAX_FIELDS = 128;

/** One parsed request head. Field names are lower-cased; order and repeats are kept. */
export interface RequestHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  fields: [string, string][];
  /** Bytes the head took, CRLFCRLF included. */
  size: number;
}

/** Why a head was refused, with the status to answer. */
export class HeadError extends Error {
  constructor(
    readonly status: 400 | 431 | 501 | 505,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, space and tab; no CR, LF or NUL.
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// Anything a head may not hold: a control character, or a CR or LF that is not part of a CRLF.
const UNCLEAN = /[^\t\r\n\x20-\x7e\x80-\xff]|\r(?!\n)|(?<!\r)\n/;

/** Where the head ends (index after CRLFCRLF), or -1 while incomplete. */
export function headEnd(buf: Uint8Array, from = 0): number {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const i = b.indexOf(CRLFCRLF, from);
  return i < 0 ? -1 : i + 4;
}

const CRLFCRLF = Buffer.from("\r\n\r\n");

/**
 * Parse a complete head (`buf[0..end)`, ending in CRLFCRLF).
 * @example parseHead(new TextEncoder().encode("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n"))
 */
export function parseHead(buf: Uint8Array, end = buf.length): RequestHead {
  const text = latin1(buf, end - 4);
  const clean = !UNCLEAN.test(text);
  const lines = text.split("\r\n");
  const line = lines[0] ?? "";
  const parts = line.split(" ");
  if (parts.length !== 3) throw new HeadError(400, `malformed request line ${JSON.stringify(clip(line))}`);
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) throw new HeadError(400, `malformed method ${JSON.stringify(clip(method))}`);
  if (!/^[!-~]+$/.test(target)) throw new HeadError(400, `malformed request target ${JSON.stringify(clip(target))}`);
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    if (/^HTTP\/\d\.\d$/.test(version)) throw new HeadError(505, `${version} is not supported; use HTTP/1.1`);
    throw new HeadError(400, `malformed HTTP version ${JSON.stringify(clip(version))}`);
  }
  return { method, target, minor: version === "HTTP/1.1" ? 1 : 0, fields: parseFields(lines, clean), size: end };
}

/** One parsed response head (from an origin). Field names are lower-cased. */
export interface ResponseHead {
  status: number;
  reason: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  fields: [string, string][];
}

/**
 * Parse a complete response head (`buf[0..end)`, ending in CRLFCRLF), as
 * strictly as a request head: an origin that sends garbage gets a 502.
 * @example parseResponseHead(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
 */
export function parseResponseHead(buf: Uint8Array, end = buf.length): ResponseHead {
  const text = latin1(buf, end - 4);
  const lines = text.split("\r\n");
  const line = lines[0] ?? "";
  const m = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/.exec(line);
  if (!m) throw new HeadError(400, `malformed status line ${JSON.stringify(clip(line))}`);
  return {
    status: Number(m[2]),
    reason: m[3] ?? "",
    minor: m[1] === "1" ? 1 : 0,
    fields: parseFields(lines, !UNCLEAN.test(text)),
  };
}

/**
 * The header fields of a head's lines (the first line is the request or
 * status line). `clean`: one scan of the whole head found no control
 * characters, so the per-field checks, which only name the culprit, are skipped.
 */
function parseFields(lines: string[], clean: boolean): [string, string][] {
  if (lines.length - 1 > MAX_FIELDS) throw new HeadError(431, `more than ${MAX_FIELDS} header fields`);
  const fields: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    const first = raw.charCodeAt(0);
    if (first === 0x20 || first === 0x09)
      throw new HeadError(400, "obsolete line folding in header fields is not accepted");
    const colon = raw.indexOf(":");
    if (colon <= 0) throw new HeadError(400, `malformed header line ${JSON.stringify(clip(raw))}`);
    const name = raw.slice(0, colon);
    if (!TOKEN.test(name)) throw new HeadError(400, `malformed header name ${JSON.stringify(clip(name))}`);
    const value = raw.slice(colon + 1).trim();
    if (!clean && !VALUE.test(value)) throw new HeadError(400, `control characters in header ${name}`);
    fields.push([name.toLowerCase(), value]);
  }
  return fields;
}

/** The value of field `name` (lower-case), repeats joined with ", " as RFC 9110 allows. */
export function field(head: RequestHead, name: string): string | undefined {
  let out: string | undefined;
  for (const [k, v] of head.fields) if (k === name) out = out === undefined ? v : `${out}, ${v}`;
  return out;
}

/** Buffer's own latin1 decoder, which `toString("latin1")` reaches after checks that cost 4× the decode for a head. */
type Latin1Slicer = Buffer & { latin1Slice?(start: number, end: number): string };

/** `buf[start..end)` as latin1. Socket data is a Buffer already: reading `.buffer` off it would cost a copy. */
export function latin1(buf: Uint8Array, end: number, start = 0): string {
  const b = (Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length)) as Latin1Slicer;
  return b.latin1Slice ? b.latin1Slice(start, end) : b.toString("latin1", start, end);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

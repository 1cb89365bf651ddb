/**
 * Request bodies from the client's options: `json`, `data` (string, bytes,
 * a form object, URLSearchParams, FormData, Blob, stream or async iterable)
 * and `files` (multipart). Also the URL with `params`.
 */
import { RequestError } from "./errors.ts";

/** A file for `files`: a Blob/File, or its content with a name and type. */
export type FileField = Blob | { content: string | Uint8Array | Blob; filename?: string; type?: string };

/** Values of `params` and form objects; arrays repeat the key, null and undefined are left out. */
export type ParamValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;

/** What `data` may be. */
export type Data =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | URLSearchParams
  | FormData
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | Record<string, ParamValue>;

/** A body ready for fetch, and whether it can be sent again (a redirect, a digest retry). */
export interface PreparedBody {
  body: BodyInit | undefined;
  contentType?: string;
  replayable: boolean;
  /** The bytes, when known up front (Digest auth-int hashes them). */
  bytes?: Uint8Array;
}

function appendAll(target: { append(k: string, v: string): void }, values: Record<string, ParamValue>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) target.append(k, String(item));
    else target.append(k, String(v));
  }
}

/** `base` joined with `path` (absolute URLs win), with `params` appended to its query. */
export function buildUrl(path: string | URL, base: string | undefined, params?: Record<string, ParamValue>): URL {
  let url: URL;
  const text = String(path);
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || !base) url = new URL(text);
    // Join like a path, not like a link: baseURL "http://h/api" + "/get" is "http://h/api/get".
    else url = new URL(`${base.replace(/\/+$/, "")}/${text.replace(/^\/+/, "")}`);
  } catch {
    throw new RequestError(`invalid URL ${JSON.stringify(text)}${base ? ` (baseURL ${base})` : ""}`, {
      method: "",
      url: text,
    });
  }
  if (params) appendAll(url.searchParams, params);
  return url;
}

const isPlainObject = (v: unknown): v is Record<string, ParamValue> =>
  typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

function fileBlob(name: string, f: FileField): [Blob, string] {
  if (f instanceof Blob) return [f, f instanceof File ? f.name : name];
  const content = f.content instanceof Uint8Array ? new Uint8Array(f.content) : f.content;
  return [new Blob([content], f.type ? { type: f.type } : {}), f.filename ?? name];
}

function streamOf(iter: AsyncIterable<Uint8Array | string>): ReadableStream<Uint8Array> {
  const it = iter[Symbol.asyncIterator]();
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(typeof value === "string" ? enc.encode(value) : value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/**
 * The body for `json`, `data` and `files`; they exclude each other except `data` fields with `files`.
 * GET and HEAD take none: Bun's fetch refuses a body with them (requests would send it).
 */
export function prepareBody(
  opts: { json?: unknown; data?: Data; files?: Record<string, FileField> },
  at: { method: string; url: string },
): PreparedBody {
  const { json, data, files } = opts;
  if (json !== undefined && (data !== undefined || files !== undefined))
    throw new RequestError(`${at.method} ${at.url}: pass json, or data/files, not both`, at);
  if ((at.method === "GET" || at.method === "HEAD") && [json, data, files].some((v) => v !== undefined))
    throw new RequestError(
      `${at.method} ${at.url}: Bun's fetch cannot send a body with GET or HEAD; use POST (or another method), or send the values as params`,
      at,
    );
  if (json !== undefined) {
    const bytes = new TextEncoder().encode(JSON.stringify(json));
    return { body: bytes, contentType: "application/json", replayable: true, bytes };
  }
  if (files !== undefined) {
    const form = new FormData();
    if (data !== undefined && !isPlainObject(data))
      throw new RequestError(`${at.method} ${at.url}: with files, data must be an object of form fields`, at);
    if (data) appendAll(form, data);
    for (const [name, f] of Object.entries(files)) form.append(name, ...fileBlob(name, f));
    return { body: form, replayable: true };
  }
  if (data === undefined) return { body: undefined, replayable: true, bytes: new Uint8Array() };
  if (typeof data === "string") return { body: data, replayable: true, bytes: new TextEncoder().encode(data) };
  if (data instanceof Uint8Array) return { body: data as Uint8Array<ArrayBuffer>, replayable: true, bytes: data };
  if (data instanceof ArrayBuffer) return { body: data, replayable: true, bytes: new Uint8Array(data) };
  if (data instanceof Blob || data instanceof FormData) return { body: data, replayable: true };
  if (data instanceof URLSearchParams)
    return { body: data, replayable: true, bytes: new TextEncoder().encode(data.toString()) };
  if (data instanceof ReadableStream) return { body: data, replayable: false };
  if (typeof (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function")
    return { body: streamOf(data as AsyncIterable<Uint8Array>), replayable: false };
  if (isPlainObject(data)) {
    const form = new URLSearchParams();
    appendAll(form, data);
    return { body: form, replayable: true, bytes: new TextEncoder().encode(form.toString()) };
  }
  throw new RequestError(
    `${at.method} ${at.url}: data must be a string, bytes, Blob, URLSearchParams, FormData, stream or plain object`,
    at,
  );
}

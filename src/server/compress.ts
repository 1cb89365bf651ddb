/**
 * Response compression with the codecs built into Bun: the coding a client's
 * Accept-Encoding allows (gzip, br, deflate), and a body encoded with it.
 */
import { promisify } from "node:util";
import { brotliCompress, brotliCompressSync, constants, deflate, deflateSync, gzip } from "node:zlib";

/** The content codings served. */
export type ContentCoding = "gzip" | "br" | "deflate";

/** On equal q-values the first wins: gzip is what every client decodes, and it was the original's. */
const CODINGS: readonly ContentCoding[] = ["gzip", "br", "deflate"];

/** Brotli's default quality (11) takes ~100× gzip's time for ~10% less; 4 is as fast as gzip and smaller. */
const BROTLI = (size: number) => ({
  params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: size },
});

/** Past this many bytes a body is compressed on zlib's thread pool, not on the event loop. */
const ASYNC_FROM = 64 * 1024;

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);
const brotliAsync = promisify(brotliCompress);

/**
 * The coding to answer with, by the q-values of `accept` (RFC 9110 §12.5.3):
 * undefined when the client wants none of ours, or prefers identity.
 * @example negotiateEncoding("deflate, gzip;q=0.9, br;q=0") // "deflate"
 */
export function negotiateEncoding(accept: string | null | undefined): ContentCoding | undefined {
  if (!accept) return undefined;
  const q = new Map<string, number>();
  for (const part of accept.split(",")) {
    const [token = "", ...params] = part.split(";");
    const name = token.trim().toLowerCase();
    if (!name) continue;
    const weight = params.map((p) => p.trim().match(/^q\s*=\s*([0-9.]+)$/i)).find(Boolean);
    q.set(name, weight ? Number(weight[1]) : 1);
  }
  const any = q.get("*");
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of CODINGS) {
    const weight = q.get(coding) ?? (coding === "gzip" ? q.get("x-gzip") : undefined) ?? any ?? 0;
    if (weight > bestQ) [best, bestQ] = [coding, weight];
  }
  // identity is acceptable unless refused (q=0), explicitly or by "*;q=0"
  const identity = q.get("identity") ?? (any === 0 ? 0 : undefined);
  return identity !== undefined && identity > bestQ ? undefined : best;
}

/**
 * `body` encoded with `coding`, on the calling thread.
 * @example new Response(encodeSync(json, "gzip"), { headers: { "content-encoding": "gzip" } })
 */
export function encodeSync(body: string | Uint8Array<ArrayBuffer>, coding: ContentCoding): Uint8Array {
  if (coding === "gzip") return Bun.gzipSync(body);
  if (coding === "deflate") return deflateSync(body); // HTTP's deflate is zlib-wrapped, not Bun.deflateSync's raw
  return brotliCompressSync(body, BROTLI(body.length));
}

/** `body` encoded with `coding`: a small one at once, a large one on zlib's thread pool. */
export function encode(
  body: string | Uint8Array<ArrayBuffer>,
  coding: ContentCoding,
): Uint8Array | Promise<Uint8Array> {
  if (body.length < ASYNC_FROM) return encodeSync(body, coding);
  if (coding === "gzip") return gzipAsync(body);
  if (coding === "deflate") return deflateAsync(body);
  return brotliAsync(body, BROTLI(body.length));
}

/**
 * A response for `body`, compressed with the best coding `accept` allows, and
 * `Vary: Accept-Encoding` either way. Callers decide what is worth compressing
 * (a size threshold), so small answers never pay for the negotiation.
 * @example compressedResponse(json, req.headers.get("accept-encoding"), { "content-type": "application/json" })
 */
export function compressedResponse(
  body: string,
  accept: string | null,
  headers: Record<string, string>,
): Response | Promise<Response> {
  const coding = negotiateEncoding(accept);
  if (!coding) return new Response(body, { headers: { ...headers, vary: "Accept-Encoding" } });
  const out = { ...headers, "content-encoding": coding, vary: "Accept-Encoding" };
  const encoded = encode(body, coding);
  const respond = (bytes: Uint8Array) => new Response(bytes as Uint8Array<ArrayBuffer>, { headers: out });
  return encoded instanceof Promise ? encoded.then(respond) : respond(encoded);
}

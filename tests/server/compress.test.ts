/** Response compression: the coding Accept-Encoding picks, and bodies that decode back. */
import { describe, expect, it } from "bun:test";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import {
  type ContentCoding,
  compressedResponse,
  encode,
  encodeSync,
  negotiateEncoding,
} from "../../src/server/compress.ts";

const DECODE: Record<ContentCoding, (b: Uint8Array) => Buffer> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

describe("negotiateEncoding", () => {
  it("picks the highest q-value, gzip first on a tie, and nothing for none of ours", () => {
    const cases: [string | null, ContentCoding | undefined][] = [
      ["deflate, gzip, br, zstd", "gzip"], // curl --compressed
      ["gzip, deflate, br, zstd", "gzip"], // browsers
      ["br", "br"],
      ["deflate", "deflate"],
      ["x-gzip", "gzip"],
      ["GZIP;Q=1", "gzip"],
      ["gzip;q=0.5, br;q=0.8", "br"],
      ["deflate, gzip;q=0.9, br;q=0", "deflate"],
      ["*", "gzip"],
      ["gzip;q=0, *", "br"],
      ["gzip;q=0", undefined],
      ["identity", undefined],
      ["gzip;q=0.5, identity", undefined],
      ["zstd, compress", undefined],
      ["", undefined],
      [null, undefined],
    ];
    for (const [accept, coding] of cases) expect([accept, negotiateEncoding(accept)]).toEqual([accept, coding]);
  });
});

describe("encode", () => {
  const body = JSON.stringify({ path: Array.from({ length: 400 }, (_, i) => i / 7) });

  it("encodes with each coding, on the event loop and on the thread pool, to bytes that decode back", async () => {
    const large = body.repeat(20); // past the size that goes to the thread pool
    for (const coding of ["gzip", "deflate", "br"] as const) {
      expect(DECODE[coding](encodeSync(body, coding)).toString()).toBe(body);
      const small = encode(body, coding);
      expect(small).not.toBeInstanceOf(Promise);
      const pooled = encode(large, coding);
      expect(pooled).toBeInstanceOf(Promise);
      expect(DECODE[coding](await pooled).toString()).toBe(large);
    }
  });

  it("answers with Content-Encoding and Vary, or the body as is with Vary", async () => {
    const type = { "content-type": "application/json" };
    const zipped = await compressedResponse(body, "gzip, br", type);
    expect([zipped.headers.get("content-encoding"), zipped.headers.get("vary")]).toEqual(["gzip", "Accept-Encoding"]);
    expect(zipped.headers.get("content-type")).toBe("application/json");
    expect(gunzipSync(new Uint8Array(await zipped.arrayBuffer())).toString()).toBe(body);
    const plain = await compressedResponse(body, null, type);
    expect([plain.headers.get("content-encoding"), plain.headers.get("vary")]).toEqual([null, "Accept-Encoding"]);
    expect(await plain.text()).toBe(body);
  });
});

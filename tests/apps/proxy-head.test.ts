import { describe, expect, it } from "bun:test";
import { BodyReader, framingOf } from "../../apps/proxy/body.ts";
import { field, type HeadError, headEnd, MAX_FIELDS, parseHead } from "../../apps/proxy/head.ts";

const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const head = (s: string) => parseHead(bytes(s));
const refusal = (s: string): HeadError => {
  try {
    head(s);
  } catch (err) {
    return err as HeadError;
  }
  throw new Error("parsed");
};

describe("proxy request heads", () => {
  it("reads an absolute-form request line and its fields, lower-cased, repeats kept", () => {
    const h = head("GET http://a.test:81/p?q=1 HTTP/1.1\r\nHost: a.test:81\r\nX-A: 1\r\nx-a: 2\r\n\r\n");
    expect(h.method).toBe("GET");
    expect(h.target).toBe("http://a.test:81/p?q=1");
    expect(h.minor).toBe(1);
    expect(h.fields).toEqual([
      ["host", "a.test:81"],
      ["x-a", "1"],
      ["x-a", "2"],
    ]);
    expect(field(h, "x-a")).toBe("1, 2");
  });

  it("finds the end of a head only after CRLFCRLF", () => {
    expect(headEnd(bytes("GET / HTTP/1.1\r\nHost: a\r\n"))).toBe(-1);
    expect(headEnd(bytes("GET / HTTP/1.1\r\n\r\nBODY"))).toBe(18);
  });

  it("refuses malformed request lines with 400 and says what was wrong", () => {
    expect(refusal("GET / x HTTP/1.1\r\n\r\n").message).toContain("malformed request line");
    expect(refusal("GET  HTTP/1.1\r\n\r\n").message).toContain("malformed request target");
    expect(refusal("G(T / HTTP/1.1\r\n\r\n").message).toContain("malformed method");
    expect(refusal("GET /\x01 HTTP/1.1\r\n\r\n").message).toContain("malformed request target");
    expect(refusal("GET / HTTX/1.1\r\n\r\n").status).toBe(400);
  });

  it("answers 505 to an HTTP version it does not speak", () => {
    const e = refusal("GET / HTTP/2.0\r\n\r\n");
    expect(e.status).toBe(505);
    expect(e.message).toContain("HTTP/2.0 is not supported");
  });

  it("refuses bad header lines: no colon, bad names, folding, control characters", () => {
    expect(refusal("GET / HTTP/1.1\r\nnocolon\r\n\r\n").message).toContain("malformed header line");
    expect(refusal("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n").message).toContain("malformed header name");
    expect(refusal("GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n").message).toContain("line folding");
    expect(refusal("GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n").message).toContain("control characters in header A");
    // A bare CR or LF inside a line is a control character too, not a line break: header smuggling.
    expect(refusal("GET / HTTP/1.1\r\nA: b\nX-Evil: 1\r\n\r\n").message).toContain("control characters in header A");
    expect(refusal("GET / HTTP/1.1\r\nA: b\rX-Evil: 1\r\n\r\n").message).toContain("control characters in header A");
  });

  it("keeps obs-text bytes (0x80-0xff) of a field value as they came", () => {
    const bytes = Buffer.concat([
      Buffer.from("GET / HTTP/1.1\r\nX-Name: caf"),
      Buffer.from([0xe9, 0xff]),
      Buffer.from("\r\n\r\n"),
    ]);
    const value = parseHead(bytes).fields[0]?.[1] ?? "";
    expect(Buffer.from(value, "latin1")).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0xff]));
  });

  it("refuses more than MAX_FIELDS fields with 431", () => {
    const many = Array.from({ length: MAX_FIELDS + 1 }, (_, i) => `X-${i}: v\r\n`).join("");
    expect(refusal(`GET / HTTP/1.1\r\n${many}\r\n`).status).toBe(431);
  });
});

describe("proxy request body framing", () => {
  const framing = (fields: string) => framingOf(head(`POST http://a/ HTTP/1.1\r\n${fields}\r\n`));
  const framingError = (fields: string) => {
    try {
      framing(fields);
    } catch (err) {
      return err as HeadError;
    }
    throw new Error("accepted");
  };

  it("reads Content-Length, chunked, or no body", () => {
    expect(framing("Content-Length: 12\r\n")).toEqual({ kind: "length", length: 12 });
    expect(framing("Transfer-Encoding: chunked\r\n")).toEqual({ kind: "chunked" });
    expect(framing("")).toEqual({ kind: "none" });
    expect(framing("Content-Length: 0\r\n")).toEqual({ kind: "none" });
  });

  it("refuses the ambiguous framings that smuggle requests", () => {
    expect(framingError("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n").message).toContain("ambiguous");
    expect(framingError("Content-Length: 3\r\nContent-Length: 4\r\n").message).toContain("malformed Content-Length");
    expect(framingError("Content-Length: -1\r\n").status).toBe(400);
    expect(framingError("Transfer-Encoding: gzip\r\n").status).toBe(400);
    expect(framingError("Transfer-Encoding: gzip, chunked\r\n").status).toBe(501);
  });

  const flow = { pause() {}, resume() {} };
  const drain = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer());

  it("decodes a chunked body split at every byte, and leaves the next request's bytes alone", async () => {
    const body = new BodyReader({ kind: "chunked" }, flow);
    const wire = bytes("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nGET ");
    let used = 0;
    for (let i = 0; i < wire.length && !body.done; i++) used += body.feed(wire.subarray(i, i + 1)).used;
    expect(body.done).toBe(true);
    expect(Buffer.from(wire.subarray(used)).toString()).toBe("GET ");
    expect((await drain(body.stream)).toString()).toBe("hello world");
  });

  it("stops a Content-Length body at its length", async () => {
    const body = new BodyReader({ kind: "length", length: 4 }, flow);
    expect(body.feed(bytes("abcdefg"))).toEqual({ used: 4, done: true });
    expect((await drain(body.stream)).toString()).toBe("abcd");
  });

  it("refuses a bad chunk size and a missing CRLF after chunk data", () => {
    expect(() => new BodyReader({ kind: "chunked" }, flow).feed(bytes("zz\r\n"))).toThrow("bad chunk size");
    expect(() => new BodyReader({ kind: "chunked" }, flow).feed(bytes("1\r\naXY"))).toThrow("missing CRLF");
  });

  it("pauses the client when a megabyte is queued unread, and resumes when it is read", async () => {
    const calls: string[] = [];
    const body = new BodyReader(
      { kind: "length", length: 3 << 20 },
      {
        pause: () => calls.push("pause"),
        resume: () => calls.push("resume"),
      },
    );
    body.feed(new Uint8Array(1 << 20));
    body.feed(new Uint8Array(1 << 20));
    expect(calls).toContain("pause");
    const reader = body.stream.getReader();
    await reader.read();
    await reader.read();
    expect(calls.at(-1)).toBe("resume");
  });
});

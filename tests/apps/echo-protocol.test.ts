/**
 * The echo protocol, fed chunk by chunk in-process: whole messages out, in
 * as few writes as it can, QUIT found wherever the chunks split it, and the
 * size limit. (tests/net/suite.ts drives it over real sockets.)
 */
import { describe, expect, it } from "bun:test";
import { echoProtocol, type Pending } from "../../apps/echo/protocol.ts";
import type { Connection } from "../../src/net/connection.ts";

const D = "\r\n\r\n";

/** A protocol instance with a stand-in connection: what it wrote, and how it closed. */
function feed(maxSize = 1 << 20) {
  const protocol = echoProtocol(maxSize);
  const writes: string[] = [];
  let closed: string | undefined;
  const conn = {
    state: protocol.state?.({} as Connection<Pending>) as Pending,
    write(data: string | Uint8Array) {
      writes.push(Buffer.from(data).toString("latin1"));
      return true;
    },
    close(data?: string) {
      closed = data ?? "";
    },
  } as unknown as Connection<Pending>;
  return {
    writes,
    closed: () => closed,
    send(...chunks: string[]) {
      for (const c of chunks) if (closed === undefined) protocol.data(conn, Buffer.from(c, "latin1"));
    },
  };
}

describe("echo protocol", () => {
  it("echoes pipelined whole messages in one write, and holds a partial one", () => {
    const e = feed();
    e.send(`one${D}two${D}thr`);
    expect(e.writes).toEqual([`one${D}two${D}`]);
    e.send(`ee${D}`);
    expect(e.writes).toEqual([`one${D}two${D}`, `three${D}`]);
  });

  it("finds a delimiter split across chunks, byte by byte", () => {
    const e = feed();
    e.send("abc\r", "\n", "\r", `\nnext${D}`);
    expect(e.writes.join("")).toBe(`abc${D}next${D}`);
    expect(e.writes).toHaveLength(1);
  });

  it("holds a message across many chunks and writes it once, copied whole", () => {
    const e = feed();
    const body = "x".repeat(100_000);
    e.send(body.slice(0, 30_000), body.slice(30_000, 70_000), `${body.slice(70_000)}${D}`);
    expect(e.writes).toEqual([`${body}${D}`]);
  });

  it("closes on QUIT after echoing what came before it, in one chunk or split", () => {
    const one = feed();
    one.send(`bye${D}QUIT${D}ignored${D}`);
    expect(one.writes).toEqual([`bye${D}`]);
    expect(one.closed()).toBe("");
    const split = feed();
    split.send(`first${D}QU`, "IT\r\n", `\r\nafter${D}`);
    expect(split.writes).toEqual([`first${D}`]);
    expect(split.closed()).toBe("");
  });

  it("echoes messages that merely contain QUIT or Q", () => {
    const e = feed();
    e.send(`QUITE${D}xQUIT${D}Q${D}`);
    expect(e.writes.join("")).toBe(`QUITE${D}xQUIT${D}Q${D}`);
    expect(e.closed()).toBeUndefined();
    e.send(`Quick `, `question${D}`);
    expect(e.writes.join("")).toEndWith(`Quick question${D}`);
  });

  it("refuses a message over the limit with ERROR and a close", () => {
    const e = feed(10);
    e.send("0123456", "789abc");
    expect(e.writes).toEqual([]);
    expect(e.closed()).toBe(`ERROR message too large (over 10 bytes)${D}`);
  });
});

/** A raw TCP test client: writes bytes (all of them, on drain), collects what comes back, knows when it closed. */
import type { Socket } from "bun";

export interface RawClient {
  socket: Socket<undefined>;
  /** Everything received so far. */
  received(): Buffer;
  receivedBytes(): number;
  /** Resolve once at least `n` bytes have arrived. */
  waitBytes(n: number, ms?: number): Promise<Buffer>;
  /** Write all of `data`, waiting on drain as needed. */
  send(data: string | Uint8Array): Promise<void>;
  closed: Promise<void>;
  isClosed(): boolean;
}

export async function rawClient(port: number, opts: { tls?: boolean; read?: boolean } = {}): Promise<RawClient> {
  const chunks: Buffer[] = [];
  let size = 0;
  let isClosed = false;
  let onClose = () => {};
  const closed = new Promise<void>((r) => (onClose = r));
  let wake = () => {};
  let drained = () => {};
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    tls: opts.tls ? { rejectUnauthorized: false } : undefined,
    socket: {
      data(_s, d) {
        chunks.push(Buffer.from(d));
        size += d.byteLength;
        wake();
      },
      drain() {
        drained();
      },
      close() {
        isClosed = true;
        onClose();
        wake();
        drained();
      },
      error() {},
    },
  });
  if (opts.read === false) socket.pause();
  return {
    socket,
    received: () => Buffer.concat(chunks),
    receivedBytes: () => size,
    async waitBytes(n, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (size < n) {
        if (isClosed) throw new Error(`closed after ${size} of ${n} bytes`);
        if (Date.now() > deadline) throw new Error(`timed out with ${size} of ${n} bytes`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
      return Buffer.concat(chunks);
    },
    async send(data) {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      let at = 0;
      while (at < bytes.byteLength) {
        if (isClosed) throw new Error("closed while sending");
        const n = socket.write(bytes, at, bytes.byteLength - at);
        if (n < 0) throw new Error("closed while sending");
        at += n;
        if (at < bytes.byteLength) await new Promise<void>((r) => (drained = r));
      }
    },
    closed,
    isClosed: () => isClosed,
  };
}

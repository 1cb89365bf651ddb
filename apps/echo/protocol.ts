/**
 * The echo protocol of the original's example: a message ends with
 * `\r\n\r\n` and is echoed whole, delimiter included, once it is complete;
 * the message `QUIT` closes the connection. A message larger than
 * `stream_buffer` bytes gets `ERROR message too large` and a close, so one
 * client cannot make the server buffer without bound.
 */
import type { Protocol } from "../../src/net/protocol.ts";

export const DELIMITER = Buffer.from("\r\n\r\n");
const QUIT = Buffer.from("QUIT\r\n\r\n");

export interface Pending {
  /** Bytes of the current incomplete message. */
  chunks: Uint8Array[];
  size: number;
  /** Those bytes hold a "Q": the message may be QUIT, so it takes the exact path. */
  q?: boolean;
}

const Q = 81;

/** The last (up to 3) pending bytes, across chunks: a delimiter may arrive one byte at a time. */
function lastBytes(st: Pending): number[] {
  const out: number[] = [];
  for (let i = st.chunks.length - 1; i >= 0 && out.length < 3; i--) {
    const c = st.chunks[i] as Uint8Array;
    for (let j = c.byteLength - 1; j >= 0 && out.length < 3; j--) out.unshift(c[j] as number);
  }
  return out;
}

/** How many bytes of DELIMITER end what is pending (0 to 3), so a delimiter split across chunks is found. */
function partialTail(st: Pending): number {
  const tail = lastBytes(st);
  for (let k = Math.min(3, tail.length); k > 0; k--) {
    let ok = true;
    for (let i = 0; i < k && ok; i++) ok = tail[tail.length - k + i] === DELIMITER[i];
    if (ok) return k;
  }
  return 0;
}

/**
 * Where the first message of `chunk` ends (the index after its delimiter),
 * counting the tail of what is pending; -1 if it does not end in `chunk`.
 */
export function endOfMessage(st: Pending, chunk: Uint8Array, from: number): number {
  if (from === 0) {
    const end = straddleEnd(st, chunk);
    if (end > 0) return end;
  }
  const at = asBuffer(chunk).indexOf(DELIMITER, from);
  return at < 0 ? -1 : at + 4;
}

/** Where a delimiter begun in what is pending ends at the start of `chunk`; -1 if none does. */
function straddleEnd(st: Pending, chunk: Uint8Array): number {
  if (st.size === 0) return -1;
  const k = partialTail(st);
  if (k === 0 || chunk.byteLength < 4 - k) return -1;
  for (let i = 0; i < 4 - k; i++) if (chunk[i] !== DELIMITER[k + i]) return -1;
  return 4 - k;
}

/**
 * Where the last message that ends in `buf` ends (the index after its
 * delimiter, which may have begun in what is pending); -1 if none does.
 */
function lastMessageEnd(st: Pending, buf: Buffer): number {
  const at = buf.lastIndexOf(DELIMITER);
  return at >= 0 ? at + 4 : straddleEnd(st, buf);
}

/** Bun hands TCP data as a Buffer already: wrap only what is not. */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function isQuit(message: Uint8Array): boolean {
  return message.byteLength === QUIT.byteLength && Buffer.from(message).equals(QUIT);
}

/**
 * The echo protocol, refusing messages over `maxSize` bytes.
 * @example new SocketServer(echoProtocol(1 << 20), { name: "echo" }).start()
 */
export function echoProtocol(maxSize: number): Protocol<Pending> {
  return {
    state: () => ({ chunks: [], size: 0 }),
    data(conn, chunk) {
      const st = conn.state;
      const buf = asBuffer(chunk);
      /** Keep `rest` as the start of the next message; false when that made it too large (closed). */
      const hold = (rest: Buffer): boolean => {
        st.chunks.push(rest);
        st.size += rest.byteLength;
        st.q ||= rest.indexOf(Q) >= 0;
        if (st.size <= maxSize) return true;
        st.chunks = [];
        conn.close(`ERROR message too large (over ${maxSize} bytes)\r\n\r\n`);
        return false;
      };
      // The fast path, with no "Q" about: the last delimiter is found from the end (usually in the
      // last four bytes), and everything before it is complete messages, none of which can be QUIT,
      // so they go out in one write without finding where each one ends. One memchr per byte.
      if (!st.q) {
        const last = lastMessageEnd(st, buf);
        if (last < 0) {
          hold(buf);
          return;
        }
        const q = buf.indexOf(Q);
        if (q < 0 || q >= last) {
          const done = last === buf.length ? buf : buf.subarray(0, last);
          const out = st.size > 0 ? Buffer.concat([...st.chunks, done]) : done;
          st.chunks = [];
          st.size = 0;
          conn.write(out);
          if (last < buf.length) hold(buf.subarray(last));
          return;
        }
      }
      // What this chunk completes is echoed with one write: a message held across chunks is
      // copied once into a single buffer rather than written piece by piece (one syscall each).
      const out: Uint8Array[] = [];
      const flush = () => {
        if (out.length > 0) conn.write(out.length === 1 ? (out[0] as Uint8Array) : Buffer.concat(out));
      };
      let from = 0;
      let run = 0;
      while (from < chunk.byteLength) {
        const end = endOfMessage(st, chunk, from);
        if (end < 0) {
          if (run < from) out.push(chunk.subarray(run, from));
          flush();
          hold(buf.subarray(from));
          return;
        }
        if (st.size > 0) {
          const pieces = [...st.chunks, chunk.subarray(0, end)];
          const length = st.size + end;
          st.chunks = [];
          st.size = 0;
          st.q = false;
          if (length === QUIT.byteLength && isQuit(Buffer.concat(pieces))) {
            flush();
            return conn.close();
          }
          out.push(...pieces);
          from = run = end;
          continue;
        }
        if (isQuit(chunk.subarray(from, end))) {
          if (run < from) out.push(chunk.subarray(run, from));
          flush();
          return conn.close();
        }
        from = end;
      }
      if (run < from) out.push(chunk.subarray(run, from));
      flush();
    },
  };
}

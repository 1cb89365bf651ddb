/**
 * One HTTP exchange over a raw socket, for requests no client library sends:
 * HTTP/1.0 without Host, broken websocket handshakes. The answer is read up to
 * its Content-Length (none: a 101, or until the server closes).
 */
import { rawClient } from "../net/tcp-client.ts";

export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** Send `request` as it is to 127.0.0.1:`port` and read one answer. */
export async function rawRequest(port: number, request: string, ms = 10_000): Promise<RawAnswer> {
  const client = await rawClient(port);
  try {
    await client.send(request);
    const deadline = Date.now() + ms;
    for (;;) {
      const text = client.received().toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const [line = "", ...fields] = text.slice(0, end).split("\r\n");
        const headers: Record<string, string> = {};
        for (const field of fields) {
          const colon = field.indexOf(":");
          headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
        }
        const status = Number(line.split(" ")[1]);
        const body = text.slice(end + 4);
        const length = headers["content-length"];
        const complete = length !== undefined ? body.length >= Number(length) : status === 101 || client.isClosed();
        if (complete) return { status, headers, body: length !== undefined ? body.slice(0, Number(length)) : body };
      } else if (client.isClosed()) throw new Error(`closed before an answer: ${JSON.stringify(text)}`);
      if (Date.now() > deadline) throw new Error(`no complete answer in ${ms} ms: ${JSON.stringify(text)}`);
      await Promise.race([client.waitBytes(client.receivedBytes() + 1, ms).catch(() => {}), client.closed]);
    }
  } finally {
    client.socket.end();
  }
}

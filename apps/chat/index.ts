/**
 * The chat: `pulsar run chat --workers 3 [--data-store redis://host:port/db]`.
 *   GET /           the chat page
 *   WS  /message    each text frame (trimmed, ≤ 4 KB) reaches every client, on
 *                   every worker and every instance sharing the data store, as
 *                   one JSON frame {"message", "time"}; a blank one is ignored,
 *                   an over-long one answered {"error": "E_CHAT_MESSAGE", "message"}
 *   POST /rpc       JSON-RPC `message(text)` → "OK", published the same way
 *                   (the param may also be named `msg` or `message`)
 * `pulsar info` shows each worker's connected clients (clients=N).
 */
import { Hono } from "hono";
import type { Actor } from "../../src/actor/actor.ts";
import type { AppSettings } from "../../src/config/resolve.ts";
import { createPubSub } from "../../src/pubsub/create.ts";
import type { PubSub } from "../../src/pubsub/hub.ts";
import type { Handler } from "../../src/server/handler.ts";
import { HttpServer, type HttpServerOptions } from "../../src/server/http-server.ts";
import { CLOSE } from "../../src/ws/socket.ts";
import { WebSockets } from "../../src/ws/sockets.ts";
import { ChatMessageError, MAX_MESSAGE_BYTES, publishMessage } from "./message.ts";
import { CHAT_PAGE } from "./page.ts";
import { chatRpc } from "./rpc.ts";

export { ChatMessageError, cleanMessage, MAX_MESSAGE_BYTES, publishMessage } from "./message.ts";

/** The websocket topic (per worker) and the pub/sub channel (shared) of a chat app. */
export const chatChannel = (name: string) => `${name}_webchat`;

/** The largest websocket frame the chat reads; a bigger one closes the socket with 1009. */
export const MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + 1024;

/** Build one worker's chat: its pub/sub, its sockets bound to the channel, its routes. */
export async function chatHandler(actor: Actor, name = "chat", pubsub?: PubSub): Promise<Handler> {
  const ps = pubsub ?? (await createPubSub());
  const channel = chatChannel(name);
  const sockets = new WebSockets({ log: actor.log });
  await sockets.bind("chat", ps, channel);
  const count = () => {
    actor.extra.clients = sockets.count;
  };
  count();
  const app = new Hono();
  app.get("/", (c) => c.html(CHAT_PAGE));
  app.get(
    "/message",
    sockets.route(
      {
        onOpen: (ws) => {
          ws.subscribe("chat");
          count();
        },
        onMessage: async (ws, message) => {
          if (typeof message !== "string") return ws.close(CLOSE.UNSUPPORTED, "the chat takes text frames");
          try {
            await publishMessage(ps, channel, message);
          } catch (err) {
            // A blank line is ignored, as the original did; anything else is the sender's to know.
            if (err instanceof ChatMessageError) {
              if (err.problem === "empty") return;
              return ws.send(JSON.stringify({ error: err.code, message: `not delivered: ${err.message}` }));
            }
            actor.log.warn(`chat message not published: ${(err as Error).message}`);
            ws.send(JSON.stringify({ error: (err as { code?: string }).code ?? "E_CHAT", message: "not delivered" }));
          }
        },
        onClose: () => count(),
      },
      // The 4 KB limit is on the trimmed text, so frames get 1 KB more for the whitespace
      // trimming removes; a frame within that but still over 4 KB once trimmed gets the
      // E_CHAT_MESSAGE error frame, only a bigger one is closed with 1009.
      { maxMessageSize: MAX_FRAME_BYTES, maxBuffered: 4 * 1024 * 1024 },
    ),
  );
  const rpc = chatRpc(ps, channel);
  app.post("/rpc", (c) => rpc.fetch(c.req.raw));
  return { fetch: app.fetch, websocket: sockets.websocket };
}

class ChatServer extends HttpServer {
  protected override handler(_cfg: AppSettings, actor: Actor): Promise<Handler> {
    return chatHandler(actor, this.name);
  }
}

/** The `chat` app. */
export function chat(options: HttpServerOptions = {}): HttpServer {
  return new ChatServer(() => new Response(null, { status: 500 }), { name: "chat", ...options });
}

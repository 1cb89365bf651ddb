/**
 * POST /rpc: the chat's JSON-RPC, on the shared dispatcher (src/rpc): the one
 * method `message(text)`, which publishes like the websocket and returns "OK",
 * plus the server commands (ping, echo, functions_list…). Batches and
 * notifications work as everywhere else.
 */
import type { PubSub } from "../../src/pubsub/hub.ts";
import { rpcServer } from "../../src/rpc/commands.ts";
import { invalidParams } from "../../src/rpc/errors.ts";
import { method } from "../../src/rpc/method.ts";
import { ChatMessageError, MAX_MESSAGE_BYTES, publishMessage } from "./message.ts";

/** A batch of the most calls the dispatcher takes, each of the longest message, fits. */
const MAX_BODY = 1000 * (MAX_MESSAGE_BYTES + 100);

/**
 * The chat's dispatcher, publishing to `channel`. The text is one param:
 * positional, or named `text` (ours), `msg` or `message` (the original's names).
 * @example app.post("/rpc", (c) => chatRpc(pubsub, "chat_webchat").fetch(c.req.raw))
 */
export function chatRpc(pubsub: PubSub, channel: string) {
  return rpcServer(
    {
      message: method(
        {
          doc: "Send text to every chat client, on every worker and instance; name it text, msg or message.",
          params: ["text?:string", "msg?:string", "message?:string"],
        },
        async (...texts) => {
          const given = texts.filter((t) => t !== undefined);
          if (given.length === 0) throw invalidParams('missing required parameter "text"');
          if (given.length > 1) throw invalidParams("one text only: text, msg or message");
          try {
            await publishMessage(pubsub, channel, given[0]);
          } catch (err) {
            // A blank or over-long message is the caller's mistake: -32602, saying which.
            if (err instanceof ChatMessageError) throw invalidParams(err.message);
            throw err;
          }
          return "OK";
        },
      ),
    },
    { maxBody: MAX_BODY },
  );
}

/**
 * The chat's one operation, shared by the websocket and JSON-RPC: clean a
 * text, stamp it, and publish it on the chat channel. Every worker bound to
 * the channel sends it to its clients as one JSON frame {"message", "time"}.
 */
import { PulsarError } from "../../src/errors.ts";
import type { PubSub } from "../../src/pubsub/hub.ts";

/** The largest message, in UTF-8 bytes after cleaning. */
export const MAX_MESSAGE_BYTES = 4096;

/** Why a chat message cannot be sent. */
export type ChatMessageProblem = "not text" | "empty" | "too long";

/**
 * A chat message that cannot be sent: not a string, empty, or over MAX_MESSAGE_BYTES.
 * `problem` says which, so the websocket can ignore a blank line (as the original
 * did) yet tell the sender of an over-long one.
 * @example if (err instanceof ChatMessageError && err.problem === "too long") …
 */
export class ChatMessageError extends PulsarError {
  constructor(
    readonly problem: ChatMessageProblem,
    message: string,
  ) {
    super("E_CHAT_MESSAGE", message, { problem });
    this.name = "ChatMessageError";
  }
}

/** What every client receives. */
export interface ChatFrame {
  message: string;
  /** Unix time in seconds (with milliseconds). */
  time: number;
}

/** The original's cleaning: each line trimmed, blank lines dropped, the rest joined by a space. */
export function cleanMessage(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ");
}

/**
 * Publish `text` to every chat client, on every worker and instance sharing the data store.
 * Throws ChatMessageError (E_CHAT_MESSAGE) when it is empty or too long.
 * @example await publishMessage(pubsub, "chat_webchat", "hello all")
 */
export async function publishMessage(pubsub: PubSub, channel: string, text: unknown): Promise<ChatFrame> {
  if (typeof text !== "string") throw new ChatMessageError("not text", "a chat message must be a string");
  const message = cleanMessage(text);
  if (!message) throw new ChatMessageError("empty", "a chat message cannot be empty");
  const bytes = Buffer.byteLength(message);
  if (bytes > MAX_MESSAGE_BYTES)
    throw new ChatMessageError(
      "too long",
      `a chat message is at most ${MAX_MESSAGE_BYTES} bytes, this one has ${bytes} once trimmed`,
    );
  const frame: ChatFrame = { message, time: Date.now() / 1000 };
  await pubsub.publish(channel, JSON.stringify(frame));
  return frame;
}

/**
 * The IPC protocol between an actor and its parent (the arbiter), in one place.
 *
 * Framing: each message is one JSON value (Bun's `serialization: "json"` for
 * processes, structured clone for threads, a direct call for inline actors).
 *
 * Lifecycle of a worker, as the parent sees it:
 *   spawn → `ready` (the worker serves) → `beat` every max(0.3 × timeout, 1) s
 *   → `stop` request → the worker drains and exits.
 * A death is learned from the exit event, never from a last message: a message
 * sent just before exit can be lost (oven-sh/bun#37849).
 *
 * Requests carry an `id` that the answer echoes, a `to` target ("arbiter", an
 * app name, or an aid) that the arbiter routes, and errors travel as data.
 */
import type { ErrorData } from "../errors.ts";

/** Stats a worker reports with every heartbeat and in `info`. */
export interface WorkerStats {
  pid: number;
  rss: number;
  uptime: number;
  requests: number;
  connections: number;
  extra?: Record<string, unknown>;
}

/** Ask `to` to run `cmd(...args)`; the answer is a `res` or `err` with the same id. */
export interface RequestMessage {
  t: "req";
  id: number;
  from: string;
  to: string;
  cmd: string;
  args: unknown[];
  /** The caller's timeout in ms, so that a routed call is bounded the same way. */
  timeout?: number;
}
/** A successful answer to the request `id`. */
export interface ResultMessage {
  t: "res";
  id: number;
  result: unknown;
}
/** A failed answer to the request `id`; the error is rebuilt by code. */
export interface ErrorMessage {
  t: "err";
  id: number;
  error: ErrorData;
}
/** Fire-and-forget: run `cmd(...args)` on `to`, no answer. */
export interface NotifyMessage {
  t: "note";
  from: string;
  to: string;
  cmd: string;
  args: unknown[];
}
/** The worker runs: it serves, and `info` holds what it bound (ports…). */
export interface ReadyMessage {
  t: "ready";
  aid: string;
  pid: number;
  info: Record<string, unknown>;
}
/** The worker is alive; its latest stats. */
export interface BeatMessage {
  t: "beat";
  stats: WorkerStats;
}
/** The worker could not boot; it exits right after with a named code. */
export interface BootErrorMessage {
  t: "boot_error";
  error: ErrorData;
}

/**
 * Pub/sub through the arbiter (the embedded backend). A worker tells the
 * arbiter which channels and patterns (`chat.*`) it listens to; the arbiter
 * answers with a `res` of the same id once the relay knows, so that a publish
 * made after `await subscribe()` anywhere reaches it.
 */
export interface SubscribeMessage {
  t: "sub";
  id: number;
  /** Channels and glob patterns this worker now listens to. */
  keys: string[];
}
/** The worker no longer listens to `keys`; answered by a `res` of the same id. */
export interface UnsubscribeMessage {
  t: "unsub";
  id: number;
  keys: string[];
}
/** Publish `message` on `channel` (worker → arbiter); the hot path, so no answer. */
export interface PublishMessage {
  t: "pub";
  channel: string;
  message: string;
}
/**
 * A published message (arbiter → worker), sent once per worker with every one
 * of its subscriptions (`keys`) that matched, so each subscriber gets it once.
 */
export interface DeliverMessage {
  t: "msg";
  channel: string;
  keys: string[];
  message: string;
}

/** The pub/sub messages, as the arbiter's relay and a worker's link see them. */
export type PubSubMessage = SubscribeMessage | UnsubscribeMessage | PublishMessage | DeliverMessage;

export type Message =
  | RequestMessage
  | ResultMessage
  | ErrorMessage
  | NotifyMessage
  | ReadyMessage
  | BeatMessage
  | BootErrorMessage
  | PubSubMessage;

/** Who a spawned worker is; passed in its env (process) or workerData (thread). */
export interface Identity {
  aid: string;
  name: string;
  /** "app": a worker of the application `app`; "actor": a spawned actor of kind `actor`. */
  kind: "app" | "actor";
  app?: string;
  actor?: string;
  index: number;
  concurrency: "process" | "thread" | "inline";
  /** The app's resolved settings, so that runtime changes (a `:0` port) reach the worker. */
  cfg: Record<string, unknown>;
  /** Extra parameters for a spawned actor. */
  params?: unknown;
  /** The arbiter's settings (log level, process name, config file…). */
  global?: Record<string, unknown>;
}

/** The environment variable carrying a worker's identity. */
export const IDENTITY_ENV = "PULSAR_ACTOR";

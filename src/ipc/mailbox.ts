/**
 * The mailbox: request/response over a Port, with ids, per-call timeouts and
 * errors carried as data. Both ends of every channel use it: the arbiter's
 * side of each worker, and the worker's side towards the arbiter.
 */
import { IpcClosedError, IpcTimeoutError, PulsarError } from "../errors.ts";
import type { Port } from "./port.ts";
import type { Message, NotifyMessage, RequestMessage } from "./protocol.ts";

/** Handles an incoming request or notification; its result (or throw) is the answer. */
export type Dispatcher = (msg: RequestMessage | NotifyMessage) => unknown;

/** The default per-call timeout, in ms. */
export const DEFAULT_TIMEOUT = 30_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: Timer;
  what: string;
}

export class Mailbox {
  #nextId = 1;
  #pending = new Map<number, Pending>();

  /**
   * @param port the channel
   * @param self the aid written as `from` on outgoing messages
   * @param dispatch runs incoming requests and notifications
   * @param other gets the lifecycle messages (ready, beat, boot_error)
   */
  constructor(
    readonly port: Port,
    readonly self: string,
    private readonly dispatch: Dispatcher,
    private readonly other: (msg: Message) => void = () => {},
  ) {
    port.onMessage((msg) => this.#receive(msg));
    port.onClose(() => this.rejectAll(new IpcClosedError(`the channel of ${self} closed`)));
  }

  /** Call `cmd` on `to` and resolve to its result, or reject with the rebuilt error. */
  request(to: string, cmd: string, args: unknown[], timeout = DEFAULT_TIMEOUT): Promise<unknown> {
    return this.call((id) => ({ t: "req", id, from: this.self, to, cmd, args, timeout }) as RequestMessage, {
      to,
      cmd,
      timeout,
    });
  }

  /**
   * Send the message `build` makes around a fresh id and resolve on the `res`
   * (or `err`) with that id: `req`, and the pub/sub `sub`/`unsub`.
   */
  call(build: (id: number) => Message, what: { to: string; cmd: string; timeout?: number }): Promise<unknown> {
    const { to, cmd, timeout = DEFAULT_TIMEOUT } = what;
    if (this.port.closed)
      return Promise.reject(new IpcClosedError(`cannot send "${cmd}" to ${to}: the channel is closed`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new IpcTimeoutError(`"${cmd}" sent to ${to} got no answer within ${timeout} ms`, { to, cmd, timeout }));
      }, timeout);
      this.#pending.set(id, { resolve, reject, timer, what: `${to}.${cmd}` });
      this.port.send(build(id));
    });
  }

  /** Run `cmd` on `to` without waiting for, or getting, an answer. */
  notify(to: string, cmd: string, args: unknown[] = []): void {
    this.port.send({ t: "note", from: this.self, to, cmd, args });
  }

  /** Send a lifecycle message (ready, beat, boot_error). */
  post(msg: Message): void {
    this.port.send(msg);
  }

  /** Number of requests waiting for an answer. */
  get pending(): number {
    return this.#pending.size;
  }

  rejectAll(err: Error): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
      p.reject(err);
    }
  }

  #receive(msg: Message): void {
    switch (msg.t) {
      case "req":
        this.#answer(msg);
        return;
      case "note":
        try {
          const r = this.dispatch(msg);
          if (r instanceof Promise) r.catch(() => {});
        } catch {
          // A notification has nobody to answer to; the command logs its own failures.
        }
        return;
      case "res":
      case "err": {
        const p = this.#pending.get(msg.id);
        if (!p) return; // answered after its timeout: dropped on purpose
        this.#pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.t === "res") p.resolve(msg.result);
        else p.reject(PulsarError.fromJSON(msg.error));
        return;
      }
      default:
        this.other(msg);
    }
  }

  #answer(msg: RequestMessage): void {
    const reply = (value: unknown) => this.port.send({ t: "res", id: msg.id, result: value ?? null });
    const fail = (err: unknown) => this.port.send({ t: "err", id: msg.id, error: PulsarError.toData(err) });
    try {
      const r = this.dispatch(msg);
      if (r instanceof Promise) r.then(reply, fail);
      else reply(r);
    } catch (err) {
      fail(err);
    }
  }
}

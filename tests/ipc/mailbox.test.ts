import { describe, expect, it } from "bun:test";
import { Actor } from "../../src/actor/actor.ts";
import { installCommands } from "../../src/actor/commands.ts";
import { ConfigError, type PulsarError } from "../../src/errors.ts";
import { Mailbox } from "../../src/ipc/mailbox.ts";
import { Port, portPair } from "../../src/ipc/port.ts";

/** Two mailboxes wired in-process: `a` asks, `b` runs an actor's commands. */
function pair() {
  const [pa, pb] = portPair();
  const actor = new Actor("b-1", "b", { timeout: 30 });
  const seen: unknown[] = [];
  installCommands(actor, {
    fail: () => {
      throw new ConfigError("nope");
    },
    slow: async (_c, ms: number) => {
      await Bun.sleep(ms);
      return "late";
    },
    remember: (_c, x: unknown) => {
      seen.push(x);
    },
  });
  const a = new Mailbox(pa, "a-1", () => {
    throw new Error("a runs no commands");
  });
  const b = new Mailbox(pb, "b-1", (msg) => actor.dispatch(msg.cmd, msg.args, msg.from));
  return { a, b, pa, pb, seen };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e) => e as PulsarError,
  );

describe("mailbox", () => {
  it("answers a request with the command's result", async () => {
    const { a } = pair();
    expect(await a.request("b-1", "ping", [])).toBe("pong");
    expect(await a.request("b-1", "echo", [{ x: [1, 2] }])).toEqual({ x: [1, 2] });
  });

  it("rebuilds a thrown PulsarError with its code and class on the caller's side", async () => {
    const { a } = pair();
    const err = await failure(a.request("b-1", "fail", []));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("E_CONFIG");
  });

  it("answers an unknown command with E_COMMAND_NOT_FOUND", async () => {
    const { a } = pair();
    expect((await failure(a.request("b-1", "nothing", []))).code).toBe("E_COMMAND_NOT_FOUND");
  });

  it("runs a notification without an answer", async () => {
    const { a, seen } = pair();
    a.notify("b-1", "remember", [42]);
    await Bun.sleep(5);
    expect(seen).toEqual([42]);
    expect(a.pending).toBe(0);
  });

  it("times out a call with E_IPC_TIMEOUT and drops the late answer", async () => {
    const { a } = pair();
    const err = await failure(a.request("b-1", "slow", [100], 20));
    expect(err.code).toBe("E_IPC_TIMEOUT");
    expect(a.pending).toBe(0);
    await Bun.sleep(120); // the late answer arrives and is ignored
    expect(await a.request("b-1", "ping", [])).toBe("pong");
  });

  it("rejects pending calls with E_IPC_CLOSED when the channel closes, and refuses new ones", async () => {
    const { a, pa } = pair();
    const pending = failure(a.request("b-1", "slow", [1000]));
    pa.markClosed();
    expect((await pending).code).toBe("E_IPC_CLOSED");
    expect((await failure(a.request("b-1", "ping", []))).code).toBe("E_IPC_CLOSED");
  });

  it("keeps messages that arrive before anyone listens", () => {
    const port = new Port(() => {});
    port.receive({ t: "beat", stats: { pid: 1, rss: 1, uptime: 1, requests: 0, connections: 0 } });
    const got: string[] = [];
    port.onMessage((m) => got.push(m.t));
    expect(got).toEqual(["beat"]);
  });
});

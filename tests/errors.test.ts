import { describe, expect, it } from "bun:test";
import * as errors from "../src/errors.ts";
import { EXIT, exitCodeOf, PulsarError } from "../src/errors.ts";

const table: [new (m: string, d?: unknown) => PulsarError, string, string][] = [
  [errors.ConfigError, "ConfigError", "E_CONFIG"],
  [errors.ActorNotFoundError, "ActorNotFoundError", "E_ACTOR_NOT_FOUND"],
  [errors.CommandNotFoundError, "CommandNotFoundError", "E_COMMAND_NOT_FOUND"],
  [errors.CommandError, "CommandError", "E_COMMAND_FAILED"],
  [errors.FunctionNotFoundError, "FunctionNotFoundError", "E_FUNCTION_NOT_FOUND"],
  [errors.IpcTimeoutError, "IpcTimeoutError", "E_IPC_TIMEOUT"],
  [errors.IpcClosedError, "IpcClosedError", "E_IPC_CLOSED"],
  [errors.NotRunningError, "NotRunningError", "E_NOT_RUNNING"],
  [errors.BootError, "BootError", "E_BOOT"],
  [errors.AppLoadError, "AppLoadError", "E_APP_LOAD"],
  [errors.ControlError, "ControlError", "E_CONTROL"],
  [errors.PubSubUnavailableError, "PubSubUnavailableError", "E_PUBSUB_UNAVAILABLE"],
  [errors.PubSubArgumentError, "PubSubArgumentError", "E_PUBSUB_ARGUMENT"],
  [errors.LockTimeoutError, "LockTimeoutError", "E_LOCK_TIMEOUT"],
];

describe("errors", () => {
  for (const [Cls, name, code] of table) {
    it(`${name} has code ${code} and survives a trip through JSON as itself`, () => {
      const err = new Cls("it broke", { why: 1 });
      expect(err).toBeInstanceOf(PulsarError);
      expect(err.name).toBe(name);
      expect(err.code).toBe(code);
      const back = PulsarError.fromJSON(JSON.parse(JSON.stringify(err.toJSON())));
      expect(back).toBeInstanceOf(Cls);
      expect(back.code).toBe(code);
      expect(back.message).toBe("it broke");
      expect(back.details).toEqual({ why: 1 });
    });
  }

  it("turns a plain error into E_COMMAND_FAILED data that keeps its message", () => {
    expect(PulsarError.toData(new TypeError("bad type"))).toEqual({
      code: "E_COMMAND_FAILED",
      message: "bad type",
      name: "TypeError",
    });
    expect(PulsarError.toData("just a string").message).toBe("just a string");
  });

  it("keeps an unknown code when rebuilding", () => {
    const err = PulsarError.fromJSON({ code: "E_APP_SPECIFIC", message: "custom" });
    expect(err.code).toBe("E_APP_SPECIFIC");
    expect(err).toBeInstanceOf(PulsarError);
  });

  it("maps errors to the named exit codes", () => {
    expect(EXIT).toEqual({ OK: 0, ERROR: 1, CONFIG: 2, BOOT_ERROR: 3, APP_LOAD_ERROR: 4 });
    expect(exitCodeOf(new errors.ConfigError("x"))).toBe(2);
    expect(exitCodeOf(new errors.BootError("x"))).toBe(3);
    expect(exitCodeOf(new errors.AppLoadError("x"))).toBe(4);
    expect(exitCodeOf(new Error("x"))).toBe(1);
  });
});

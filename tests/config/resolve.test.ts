import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/config-file.ts";
import {
  checkConfigFile,
  hooksFromFile,
  parseCli,
  resolveApp,
  resolveGlobal,
  type Sources,
} from "../../src/config/resolve.ts";
import { getSetting } from "../../src/config/settings.ts";
import { parseValue } from "../../src/config/values.ts";
import type { ConfigError } from "../../src/errors.ts";
import { FIXTURES } from "../helpers/proc.ts";

const sources = (over: Partial<Sources> = {}): Sources => ({
  cli: parseCli([], ["web"]),
  env: {},
  file: {},
  ...over,
});

const thrown = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
};

describe("settings precedence", () => {
  it("takes the default when nothing else is given", () => {
    const cfg = resolveApp("web", {}, {}, sources());
    expect(cfg.workers).toBe(1);
    expect(cfg.bind).toEqual(["127.0.0.1:8060"]);
    expect(cfg.concurrency).toBe("process");
  });

  it("layers defaults < app defaults < code < config file < app section < env < app env < CLI < app CLI", () => {
    const layers: [string, Partial<Sources>, Record<string, unknown>, Record<string, unknown>][] = [];
    const appDefaults = { workers: 2 };
    const code = { workers: 3 };
    const file = { workers: 4 };
    const section = { workers: 4, web: { workers: 5 } };
    const env = { PULSAR_WORKERS: "6" };
    const appEnv = { PULSAR_WORKERS: "6", PULSAR_WEB_WORKERS: "7" };
    expect(resolveApp("web", appDefaults, {}, sources()).workers).toBe(2);
    expect(resolveApp("web", appDefaults, code, sources()).workers).toBe(3);
    expect(resolveApp("web", appDefaults, code, sources({ file })).workers).toBe(4);
    expect(resolveApp("web", appDefaults, code, sources({ file: section })).workers).toBe(5);
    expect(resolveApp("web", appDefaults, code, sources({ file: section, env })).workers).toBe(6);
    expect(resolveApp("web", appDefaults, code, sources({ file: section, env: appEnv })).workers).toBe(7);
    const cli = parseCli(["--workers", "8"], ["web"]);
    expect(resolveApp("web", appDefaults, code, sources({ file: section, env: appEnv, cli })).workers).toBe(8);
    const appCli = parseCli(["--workers", "8", "--web-workers", "9"], ["web"]);
    expect(resolveApp("web", appDefaults, code, sources({ file: section, env: appEnv, cli: appCli })).workers).toBe(9);
    expect(layers).toEqual([]);
  });

  it("applies an app's prefixed flag to that app only", () => {
    const cli = parseCli(["--web-workers", "4", "--workers", "2"], ["web", "api"]);
    expect(resolveApp("web", {}, {}, sources({ cli })).workers).toBe(4);
    expect(resolveApp("api", {}, {}, sources({ cli })).workers).toBe(2);
  });

  it("resolves global settings from code, file, env and CLI in that order", () => {
    expect(resolveGlobal({ log_level: "warn" }, sources()).log_level).toBe("warn");
    expect(resolveGlobal({ log_level: "warn" }, sources({ file: { log_level: "error" } })).log_level).toBe("error");
    expect(
      resolveGlobal({}, sources({ file: { log_level: "error" }, env: { PULSAR_LOG_LEVEL: "debug" } })).log_level,
    ).toBe("debug");
    const cli = parseCli(["--log-level", "silent"], []);
    expect(resolveGlobal({}, sources({ cli, env: { PULSAR_LOG_LEVEL: "debug" } })).log_level).toBe("silent");
  });

  it("treats workers 0 as concurrency inline", () => {
    expect(resolveApp("web", {}, { workers: 0 }, sources()).concurrency).toBe("inline");
  });

  it("ignores an empty env variable", () => {
    expect(resolveApp("web", {}, {}, sources({ env: { PULSAR_WORKERS: "" } })).workers).toBe(1);
  });
});

describe("bad values", () => {
  it("rejects --workers nope naming the flag and what it accepts", () => {
    const err = thrown(() => parseCli(["--workers", "nope"], []));
    expect(err.code).toBe("E_CONFIG");
    expect(err.message).toBe('invalid value "nope" for --workers: workers accepts a whole number from 0 to 1024');
  });

  it("rejects a bad env value naming the variable", () => {
    const err = thrown(() => resolveApp("web", {}, {}, sources({ env: { PULSAR_TIMEOUT: "-1" } })));
    expect(err.message).toBe('invalid value "-1" for PULSAR_TIMEOUT: timeout accepts a number ≥ 0.1');
  });

  it("rejects a bad config file value naming its key", () => {
    const err = thrown(() => resolveApp("web", {}, {}, sources({ file: { web: { concurrency: "fork" } } })));
    expect(err.message).toBe(
      'invalid value "fork" for config file key "web.concurrency": concurrency accepts one of process, thread, inline',
    );
  });

  it("rejects an unknown flag", () => {
    expect(thrown(() => parseCli(["--wrkers", "2"], [])).message).toBe("unknown option --wrkers (see --help)");
  });

  it("rejects a bind with a port out of range", () => {
    expect(thrown(() => parseCli(["--bind", "127.0.0.1:70000"], [])).code).toBe("E_CONFIG");
  });

  it("parses every type: ints, numbers, booleans, enums, lists", () => {
    const s = (name: string) =>
      getSetting(name) ??
      (() => {
        throw new Error(name);
      })();
    expect(parseValue(s("workers"), "4", "x")).toBe(4);
    expect(() => parseValue(s("workers"), "4.5", "x")).toThrow();
    expect(parseValue(s("timeout"), "0.5", "x")).toBe(0.5);
    expect(parseValue(s("daemon"), "yes", "x")).toBe(true);
    expect(parseValue(s("daemon"), "0", "x")).toBe(false);
    expect(() => parseValue(s("daemon"), "maybe", "x")).toThrow();
    expect(parseValue(s("bind"), "a:1, :2,[::1]:3", "x")).toEqual(["a:1", ":2", "[::1]:3"]);
    expect(parseValue(s("concurrency"), "thread", "x")).toBe("thread");
  });

  it("joins a list flag given several times, where a plain flag keeps only the last", () => {
    const cli = parseCli(["--bind", "a:1", "--bind=b:2,c:3", "--web-bind", "d:4", "--workers", "2"], ["web"]);
    expect(cli.shared.bind).toEqual(["a:1", "b:2", "c:3"]);
    expect(cli.perApp.get("web")?.bind).toEqual(["d:4"]);
  });

  it("reads short aliases and boolean flags", () => {
    const cli = parseCli(["-w", "3", "--daemon", "--no-reload"], []);
    expect(cli.shared.workers).toBe(3);
    expect(cli.shared.daemon).toBe(true);
    expect(cli.shared.reload).toBe(false);
  });
});

describe("config files", () => {
  it("loads a JSON file with apps, shared settings and an app section", async () => {
    const file = await loadConfigFile(join(FIXTURES, "config/workers.json"));
    checkConfigFile(file, ["philosophers"]);
    const cfg = resolveApp("philosophers", {}, {}, sources({ file }));
    expect(file.apps).toEqual(["philosophers"]);
    expect(cfg.workers).toBe(3);
    expect(cfg.timeout).toBe(20);
  });

  it("loads hooks from a .ts file's default export: when_ready and when_exit for the arbiter, the rest for each app", async () => {
    const file = await loadConfigFile(join(FIXTURES, "config/hooks.ts"));
    expect(Object.keys(hooksFromFile(file)).sort()).toEqual(["when_exit", "when_ready"]);
    expect(Object.keys(hooksFromFile(file, "philosophers")).sort()).toEqual(
      ["monitor_start", "monitor_stopping", "worker_info", "worker_start", "worker_stopping"].sort(),
    );
  });

  it("gives an app its own section's hooks, when_ready and when_exit included", () => {
    const top = () => "top";
    const own = () => "own";
    const file = { when_ready: top, worker_start: top, web: { when_ready: own, worker_start: own } };
    expect(hooksFromFile(file, "web")).toEqual({ when_ready: own, worker_start: own });
    expect(hooksFromFile(file, "api")).toEqual({ worker_start: top });
    expect(hooksFromFile(file)).toEqual({ when_ready: top });
  });

  it("rejects an unknown key, a missing file and another extension", async () => {
    expect(thrown(() => checkConfigFile({ wrkers: 2 }, [])).message).toBe(
      'unknown setting "wrkers" in the config file',
    );
    expect(thrown(() => checkConfigFile({ web: { wrkers: 2 } }, ["web"])).message).toBe(
      'unknown setting "web.wrkers" in the config file',
    );
    expect((await loadConfigFile("/nonexistent/pulsar.json").catch((e) => e)).code).toBe("E_CONFIG");
    expect(await loadConfigFile(join(FIXTURES, "http/app.ts").replace(".ts", ".ts")).catch((e) => e)).toBeDefined();
  });
});

/** citty argument definitions generated from the settings table (for parsing and for --help). */
import { existsSync } from "node:fs";
import type { ArgsDef } from "citty";
import { allSettings, describeAccepted, envOf, flagOf, type Setting } from "../config/settings.ts";
import { ConfigError } from "../errors.ts";

/** A setting's help, with what it accepts, its default and its env variable. */
export function settingDescription(s: Setting): string {
  const dflt = Array.isArray(s.default) ? s.default.join(",") : String(s.default);
  return `${s.help} [${describeAccepted(s)}; default ${dflt || '""'}; env ${envOf(s)}]`;
}

/**
 * The settings that no single app owns, as flags. Read when called, so that it
 * includes those the loaded modules added; an app's own settings are listed in
 * that app's section of `pulsar run <app> --help`.
 */
export function settingArgs(): ArgsDef {
  const def: ArgsDef = {};
  for (const s of allSettings()) {
    if (s.app) continue;
    def[flagOf(s)] = {
      type: s.type === "boolean" ? "boolean" : "string",
      alias: s.short,
      description: settingDescription(s),
    } as ArgsDef[string];
  }
  return def;
}

/** The words before the first flag: `pulsar run httpbin proxy --workers 2` → httpbin, proxy. */
export function leadingWords(rawArgs: string[]): string[] {
  const words: string[] = [];
  for (const a of rawArgs) {
    if (a.startsWith("-")) break;
    words.push(a);
  }
  return words;
}

/** Options of the commands that talk to a running arbiter. */
export const controlArgs = {
  "pid-file": { type: "string", alias: "p", description: "pid file of the arbiter (its control socket is beside it)" },
  "control-socket": { type: "string", description: "path of the arbiter's control socket" },
} as const satisfies ArgsDef;

/** The pid file `--daemon` writes when given none: control commands look beside it first. */
export const DEFAULT_PID_FILE = "pulsar.pid";

/**
 * Where a control command finds the arbiter: --control-socket, --pid-file (or
 * their env variables); with neither, ./pulsar.pid when it exists (a `--daemon`
 * started in this folder); else `controlPath`'s per-user default.
 */
export function controlSettings(args: Record<string, unknown>) {
  const control_socket = String(args["control-socket"] ?? process.env.PULSAR_CONTROL_SOCKET ?? "");
  let pid_file = String(args["pid-file"] ?? process.env.PULSAR_PID_FILE ?? "");
  if (!pid_file && !control_socket && existsSync(DEFAULT_PID_FILE)) pid_file = DEFAULT_PID_FILE;
  return { pid_file, control_socket };
}

/**
 * Refuse what `command` does not take, with one line: an option not in `def`,
 * or a word past the `takes` positionals it has (citty would ignore both).
 */
export function refuseExtra(command: string, def: ArgsDef, rawArgs: string[], positionals: string[], takes = 0): void {
  const known = new Set(["help", "h"]);
  for (const [name, d] of Object.entries(def)) {
    if (d.type === "positional") continue;
    known.add(name);
    for (const a of ["alias" in d ? (d.alias ?? []) : []].flat()) known.add(a);
  }
  for (const token of rawArgs) {
    if (token === "--") break;
    const m = /^--?(?:no-)?([^=]+)/.exec(token);
    if (m?.[1] && !/^-\d/.test(token) && !known.has(m[1]))
      throw new ConfigError(`unknown option ${token.split("=")[0]} (see pulsar ${command} --help)`);
  }
  const extra = positionals[takes];
  if (extra !== undefined) throw new ConfigError(`unexpected argument "${extra}" (see pulsar ${command} --help)`);
}

export function needInt(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`${what} must be a whole number ≥ 0, not ${JSON.stringify(value)}`);
  return n;
}

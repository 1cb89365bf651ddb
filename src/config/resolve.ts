/**
 * Settings precedence, lowest first:
 *   defaults < app defaults < code options < config file < env < CLI.
 * With several apps, an app's own section / prefix wins over the shared one:
 *   file `workers` < file `httpbin.workers`, PULSAR_WORKERS < PULSAR_HTTPBIN_WORKERS,
 *   --workers < --httpbin-workers.
 */
import { basename, relative } from "node:path";
import { parseArgs } from "citty";
import { scriptUsage } from "../cli/usage.ts";
import { ConfigError, EXIT } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { ConfigFile } from "./config-file.ts";
import { ARBITER_HOOKS, type HookName, type Hooks, isHookName } from "./hooks.ts";
import { allSettings, envOf, flagOf, getSetting, type Setting } from "./settings.ts";
import { parseValue } from "./values.ts";

/** The arbiter's settings. */
export interface GlobalSettings {
  config: string;
  log_level: string;
  pid_file: string;
  daemon: boolean;
  reload: boolean;
  data_store: string;
  /** Exported to workers as HTTP(S)_PROXY ("" leaves the environment alone). */
  http_proxy: string;
  process_name: string;
  control_socket: string;
  debug: boolean;
  /** Worker processes switch to this user and group once bound ("" keeps the launching one). */
  user: string;
  group: string;
  [extra: string]: unknown;
}

/** One app's settings. */
export interface AppSettings {
  workers: number;
  concurrency: "process" | "thread" | "inline";
  timeout: number;
  max_requests: number;
  max_requests_jitter: number;
  exit_timeout: number;
  bind: string[];
  backlog: number;
  keep_alive: number;
  stream_buffer: number;
  cert_file: string;
  key_file: string;
  [extra: string]: unknown;
}

/** The CLI flags, by setting name, and per app (`--httpbin-workers`). */
export interface CliValues {
  shared: Record<string, unknown>;
  perApp: Map<string, Record<string, unknown>>;
  positionals: string[];
}

/**
 * Parse `argv` (flags after the command) against the table, with prefixed
 * flags for each of `apps`. Unknown flags and stray words are a ConfigError.
 * `--help` and `--version` (a script's argv: the CLI answers them itself)
 * print and exit 0.
 */
export function parseCli(
  argv: string[],
  apps: string[],
  extraFlags: Record<string, "string" | "boolean"> = {},
): CliValues {
  const def: Record<string, { type: "string" | "boolean"; alias?: string[] }> = {};
  const owners = new Map<string, { setting: Setting; app?: string }>();
  for (const s of allSettings()) {
    const type = s.type === "boolean" ? "boolean" : "string";
    def[flagOf(s)] = { type, alias: s.short ? [s.short] : undefined };
    owners.set(flagOf(s), { setting: s });
    if (s.scope === "app") {
      for (const app of apps) {
        def[`${app}-${flagOf(s)}`] = { type };
        owners.set(`${app}-${flagOf(s)}`, { setting: s, app });
      }
    }
  }
  for (const [flag, type] of Object.entries(extraFlags)) def[flag] = { type };
  const flags = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  if (flags.includes("--help") || flags.includes("-h")) exitWith(scriptUsage(program(), apps));
  if (flags.includes("--version") || flags.includes("-v")) exitWith(`pulsar ${VERSION} (bun ${Bun.version})`);
  for (const token of flags) {
    const m = /^--(?:no-)?([^=]+)/.exec(token);
    if (m?.[1] && !(m[1] in def)) throw new ConfigError(`unknown option --${m[1]} (see --help)`);
  }
  const parsed = parseArgs(argv, def as never) as Record<string, unknown> & { _: string[] };
  // Words after `--` are the script's own; any other would be silently ignored.
  const afterDashes = Math.max(0, argv.length - flags.length - 1);
  const [stray] = parsed._.slice(0, parsed._.length - afterDashes);
  if (stray !== undefined) throw new ConfigError(`unexpected argument "${stray}" (see --help)`);
  const cli: CliValues = { shared: {}, perApp: new Map(), positionals: parsed._ };
  for (const [flag, owner] of owners) {
    const raw = owner.setting.type === "list" ? (repeated(argv, flag) ?? parsed[flag]) : parsed[flag];
    if (raw === undefined) continue;
    const value = parseValue(owner.setting, raw, `--${flag}`);
    if (owner.app) {
      const bucket = cli.perApp.get(owner.app) ?? {};
      bucket[owner.setting.name] = value;
      cli.perApp.set(owner.app, bucket);
    } else cli.shared[owner.setting.name] = value;
  }
  for (const flag of Object.keys(extraFlags)) if (parsed[flag] !== undefined) cli.shared[flag] = parsed[flag];
  return cli;
}

function exitWith(text: string): never {
  console.log(text);
  process.exit(EXIT.OK);
}

/** How the program was started, for its usage: `bun hello.ts`, or the compiled binary's name. */
function program(): string {
  const script = process.argv[1] ?? "";
  if (!script || script.startsWith("/$bunfs/")) return basename(process.execPath);
  return `bun ${relative(process.cwd(), script) || script}`;
}

/** Every value of a list flag given several times (`--upstream a --upstream b`), joined; citty keeps only the last. */
function repeated(argv: string[], flag: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") break;
    if (token === `--${flag}` && i + 1 < argv.length) values.push(argv[++i] as string);
    else if (token.startsWith(`--${flag}=`)) values.push(token.slice(flag.length + 3));
  }
  return values.length > 1 ? values.join(",") : undefined;
}

/** Everything needed to resolve one scope's settings. */
export interface Sources {
  cli: CliValues;
  env: Record<string, string | undefined>;
  file: ConfigFile;
}

/** The arbiter's settings from code options and the sources. */
export function resolveGlobal(options: Record<string, unknown>, src: Sources): GlobalSettings {
  const out: Record<string, unknown> = {};
  for (const s of allSettings()) {
    if (s.scope !== "global") continue;
    out[s.name] = pick(s, [
      [s.default, ""],
      [options[s.name], `option ${s.name}`],
      [src.file[s.name], `config file key "${s.name}"`],
      [src.env[envOf(s)], envOf(s)],
    ]);
    if (src.cli.shared[s.name] !== undefined) out[s.name] = src.cli.shared[s.name];
  }
  return out as GlobalSettings;
}

/** One app's settings: its defaults and code options, then the shared sources, then its own. */
export function resolveApp(
  app: string,
  appDefaults: Record<string, unknown>,
  options: Record<string, unknown>,
  src: Sources,
): AppSettings {
  const section = (src.file[app] ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const s of allSettings()) {
    if (s.scope !== "app") continue;
    out[s.name] = pick(s, [
      [s.default, ""],
      [appDefaults[s.name], `${app} default ${s.name}`],
      [options[s.name], `option ${s.name}`],
      [src.file[s.name], `config file key "${s.name}"`],
      [section[s.name], `config file key "${app}.${s.name}"`],
      [src.env[envOf(s)], envOf(s)],
      [src.env[envOf(s, app)], envOf(s, app)],
    ]);
    const cli = src.cli.perApp.get(app)?.[s.name] ?? src.cli.shared[s.name];
    if (cli !== undefined) out[s.name] = cli;
  }
  // inline means "in the arbiter": the two spellings agree.
  if (out.workers === 0) out.concurrency = "inline";
  return out as AppSettings;
}

function pick(s: Setting, layers: [unknown, string][]): unknown {
  let value: unknown;
  for (const [raw, source] of layers) {
    if (raw === undefined || (raw === "" && source.startsWith("PULSAR_"))) continue;
    value = source === "" ? raw : parseValue(s, raw, source);
  }
  return value;
}

/**
 * Check a config file's keys: settings, `apps`, hooks, and sections named for
 * the given apps. Anything else is a typo worth a clear error.
 */
export function checkConfigFile(file: ConfigFile, apps: string[]): void {
  for (const [key, value] of Object.entries(file)) {
    if (key === "apps" || isHookName(key) || getSetting(key)) continue;
    if (apps.includes(key) && typeof value === "object") {
      for (const sub of Object.keys(value as object)) {
        if (!getSetting(sub) && !isHookName(sub))
          throw new ConfigError(`unknown setting "${key}.${sub}" in the config file`);
      }
      continue;
    }
    throw new ConfigError(`unknown setting "${key}" in the config file`);
  }
}

/**
 * Hooks from a config file. Without `app`, the arbiter's: the top level's
 * `when_ready` and `when_exit`. With `app`, that app's: the top level's other
 * hooks (they apply to every app), then its own section's, all of them. A
 * top-level `when_ready` so belongs to the arbiter alone and runs once, not
 * once more per app.
 */
export function hooksFromFile(file: ConfigFile, app?: string): Hooks {
  const hooks: Hooks = {};
  const layer = (obj: Record<string, unknown>, keep: (name: HookName) => boolean) => {
    for (const [k, v] of Object.entries(obj))
      if (isHookName(k) && keep(k) && typeof v === "function") hooks[k] = v as never;
  };
  const ofArbiter = (name: HookName) => ARBITER_HOOKS.includes(name);
  if (!app) layer(file, ofArbiter);
  else {
    layer(file, (name) => !ofArbiter(name));
    if (typeof file[app] === "object") layer(file[app] as Record<string, unknown>, () => true);
  }
  return hooks;
}

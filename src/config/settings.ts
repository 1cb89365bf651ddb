/**
 * The one declarative settings table. From it come the CLI flags (citty),
 * the `PULSAR_*` environment variables, the config file keys and the settings
 * reference in docs/settings.md. Apps add their own with `defineSetting`.
 */
import { BIND_RE } from "../server/bind.ts";

/** The most workers one app may have: `--workers`, and `pulsar scale`, TTIN and `config set workers` at run time. */
export const MAX_WORKERS = 1024;

export type SettingType = "string" | "int" | "number" | "boolean" | "enum" | "list";

export interface Setting {
  name: string;
  /** Long flag without dashes; the default is the name with `_` as `-`. */
  flag?: string;
  /** One-letter alias. */
  short?: string;
  type: SettingType;
  default: unknown;
  /** For "enum". */
  choices?: readonly string[];
  /** For "int"/"number". */
  min?: number;
  max?: number;
  /** "global" settings belong to the arbiter; "app" settings can differ per app. */
  scope: "global" | "app";
  section: string;
  help: string;
  /** Extra check beyond the type; returns what it accepts when the value is bad. */
  check?: (value: unknown) => string | undefined;
  /** Shown in the docs: which app defines it. */
  app?: string;
}

/** Validates one `HOST:PORT` entry of `bind`. */
function checkBind(value: unknown): string | undefined {
  for (const entry of value as string[]) {
    const m = BIND_RE.exec(entry);
    const port = m?.[2] === undefined ? 8060 : Number(m[2]);
    if (!m || !(port >= 0 && port <= 65535)) return "HOST:PORT, :PORT or HOST, comma separated, with 0 ≤ PORT ≤ 65535";
  }
  return undefined;
}

/** Validates `http_proxy`: what Bun's fetch and HttpClient can use as a proxy, or nothing. */
function checkProxyUrl(value: unknown): string | undefined {
  const text = String(value);
  if (text === "") return undefined;
  // new URL alone would take "http:host" as http://host/: the scheme's slashes are required.
  if (/^https?:\/\/[^/\s]/i.test(text) && URL.canParse(text)) return undefined;
  return "empty (no proxy) or an http:// or https:// URL";
}

const table: Setting[] = [
  // --- global ---
  {
    name: "config",
    short: "c",
    type: "string",
    default: "",
    scope: "global",
    section: "global",
    help: "Config file (.ts, .js or .json) whose keys are settings, app sections and hooks.",
  },
  {
    name: "log_level",
    type: "enum",
    choices: ["silent", "error", "warn", "info", "debug", "trace"],
    default: "info",
    scope: "global",
    section: "global",
    help: "Lowest level that is logged.",
  },
  {
    name: "pid_file",
    short: "p",
    type: "string",
    default: "",
    scope: "global",
    section: "global",
    help: "Write the arbiter's pid here; the control socket is this path with `.sock`.",
  },
  {
    name: "daemon",
    short: "D",
    type: "boolean",
    default: false,
    scope: "global",
    section: "global",
    help: "Detach from the terminal and run in the background (writes `pulsar.pid` unless --pid-file).",
  },
  {
    name: "reload",
    type: "boolean",
    default: false,
    scope: "global",
    section: "global",
    help: "Watch the script's folder and roll the workers when a file changes.",
  },
  {
    name: "data_store",
    type: "string",
    default: "",
    scope: "global",
    section: "global",
    help: "Data store URL for pub/sub and locks (`redis://host:port/db`); empty uses the arbiter.",
    check: (v) =>
      v === "" || /^rediss?:\/\/[^/\s]+(\/\d*)?$/.test(String(v))
        ? undefined
        : "empty (pub/sub through the arbiter) or redis://[user:password@]host:port/db",
  },
  {
    name: "http_proxy",
    type: "string",
    default: "",
    scope: "global",
    section: "global",
    help: "Proxy (an http:// or https:// URL) exported to every worker as HTTP_PROXY and HTTPS_PROXY (and lower case), so HttpClient and fetch go through it; NO_PROXY still applies.",
    check: checkProxyUrl,
  },
  {
    name: "process_name",
    short: "n",
    type: "string",
    default: "pulsar",
    scope: "global",
    section: "global",
    help: "Base of the process titles shown by ps and top.",
  },
  {
    name: "control_socket",
    type: "string",
    default: "",
    scope: "global",
    section: "global",
    help: "Path of the local control socket used by `pulsar info|stop|reload|scale`.",
  },
  {
    name: "debug",
    type: "boolean",
    default: false,
    scope: "global",
    section: "global",
    help: "Debug logging, and error details (stacks) in responses.",
  },
  {
    name: "user",
    short: "u",
    type: "string",
    default: "",
    scope: "global",
    section: "global",
    help: "Switch worker processes to this user (name or uid) once they have bound their listeners; with no --group, its primary group. Needs root; the arbiter keeps its own.",
  },
  {
    name: "group",
    short: "g",
    type: "string",
    default: "",
    scope: "global",
    section: "global",
    help: "Switch worker processes to this group (name or gid) once they have bound their listeners.",
  },
  // --- per app: workers ---
  {
    name: "workers",
    short: "w",
    type: "int",
    min: 0,
    max: MAX_WORKERS,
    default: 1,
    scope: "app",
    section: "workers",
    help: "Workers per app; 0 runs the app inside the arbiter (concurrency inline).",
  },
  {
    name: "concurrency",
    type: "enum",
    choices: ["process", "thread", "inline"],
    default: "process",
    scope: "app",
    section: "workers",
    help: "How a worker runs: its own process, a Bun Worker thread, or inside the arbiter.",
  },
  {
    name: "timeout",
    short: "t",
    type: "number",
    min: 0.1,
    default: 30,
    scope: "app",
    section: "workers",
    help: "Seconds without a heartbeat after which a worker is killed and replaced.",
  },
  {
    name: "max_requests",
    type: "int",
    min: 0,
    default: 0,
    scope: "app",
    section: "workers",
    help: "Recycle a worker gracefully after this many requests; 0 never.",
  },
  {
    name: "max_requests_jitter",
    type: "int",
    min: 0,
    default: 0,
    scope: "app",
    section: "workers",
    help: "Add a random 0…N to max_requests per worker, so workers do not recycle together.",
  },
  {
    name: "exit_timeout",
    type: "number",
    min: 0,
    default: 5,
    scope: "app",
    section: "workers",
    help: "Seconds a stopping worker may drain before it is killed.",
  },
  // --- per app: sockets ---
  {
    name: "bind",
    short: "b",
    type: "list",
    default: ["127.0.0.1:8060"],
    check: checkBind,
    scope: "app",
    section: "socket",
    help: "Addresses to listen on, comma separated: HOST:PORT, :PORT (all interfaces) or :0 (a free port shared by all workers).",
  },
  {
    name: "backlog",
    type: "int",
    min: 1,
    default: 2048,
    scope: "app",
    section: "socket",
    help: "Pending connections the kernel queues (Bun uses its own listen backlog: see docs).",
  },
  {
    name: "keep_alive",
    type: "number",
    min: 0,
    max: 255,
    default: 15,
    scope: "app",
    section: "socket",
    help: "Seconds an idle keep-alive connection stays open; 0 disables the timeout.",
  },
  {
    name: "stream_buffer",
    type: "int",
    min: 1,
    default: 2 ** 24,
    scope: "app",
    section: "socket",
    help: "Largest request body in bytes; a larger one is answered 413.",
  },
  {
    name: "cert_file",
    type: "string",
    default: "",
    scope: "app",
    section: "socket",
    help: "TLS certificate (PEM); with key_file, serve https.",
  },
  { name: "key_file", type: "string", default: "", scope: "app", section: "socket", help: "TLS private key (PEM)." },
];

const byName = new Map<string, Setting>(table.map((s) => [s.name, s]));

/** All known settings, in table order. */
export function allSettings(): Setting[] {
  return [...byName.values()];
}

/** The setting called `name`, if any. */
export function getSetting(name: string): Setting | undefined {
  return byName.get(name);
}

/**
 * Add an app's own setting to the table (the philosophers' `eating_period`…).
 * @example defineSetting({ name: "eating_period", type: "number", default: 2, scope: "app", section: "philosophers", help: "…" })
 */
export function defineSetting(setting: Setting): Setting {
  byName.set(setting.name, setting);
  return setting;
}

/** The flag of a setting, without dashes. */
export function flagOf(s: Setting): string {
  return s.flag ?? s.name.replaceAll("_", "-");
}

/** The env variable of a setting, optionally for one app: PULSAR_WORKERS, PULSAR_HTTPBIN_WORKERS. */
export function envOf(s: Setting, app?: string): string {
  const base = s.name.toUpperCase();
  return app ? `PULSAR_${app.toUpperCase().replaceAll("-", "_")}_${base}` : `PULSAR_${base}`;
}

/** What a setting accepts, in words, for error messages and docs. */
export function describeAccepted(s: Setting): string {
  switch (s.type) {
    case "int":
      return `a whole number${range(s)}`;
    case "number":
      return `a number${range(s)}`;
    case "boolean":
      return "true or false";
    case "enum":
      return `one of ${s.choices?.join(", ")}`;
    case "list":
      return "a comma-separated list";
    default:
      return "a string";
  }
}

function range(s: Setting): string {
  if (s.min !== undefined && s.max !== undefined) return ` from ${s.min} to ${s.max}`;
  if (s.min !== undefined) return ` ≥ ${s.min}`;
  if (s.max !== undefined) return ` ≤ ${s.max}`;
  return "";
}

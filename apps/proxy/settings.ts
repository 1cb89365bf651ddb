/** The proxy app's settings (`--upstream`, `--connect-ports`, …), in the one settings table. */
import type { AppSettings } from "../../src/config/resolve.ts";
import { defineSetting } from "../../src/config/settings.ts";

const common = { scope: "app", section: "proxy", app: "proxy" } as const;

function checkUrls(value: unknown): string | undefined {
  for (const u of value as string[]) {
    if (!URL.canParse(u) || !/^(https?|wss?):$/.test(new URL(u).protocol))
      return "http:// or https:// URLs, comma separated or the flag repeated";
  }
  return undefined;
}

function checkPorts(value: unknown): string | undefined {
  for (const p of value as string[]) if (!/^\d{1,5}$/.test(p) || +p < 1 || +p > 65535) return "ports from 1 to 65535";
  return undefined;
}

defineSetting({
  ...common,
  name: "upstream",
  type: "list",
  default: [],
  check: checkUrls,
  help: "Reverse-proxy mode: the upstream URLs to balance over, round robin, skipping failed ones (repeat the flag or comma-separate). Empty: a forward proxy.",
});
defineSetting({
  ...common,
  name: "connect_ports",
  type: "list",
  default: ["443"],
  check: checkPorts,
  help: "Ports a CONNECT tunnel may open; others are answered 403.",
});
defineSetting({
  ...common,
  name: "allow_hosts",
  type: "list",
  default: [],
  help: "Hosts the forward proxy serves (`example.com`, `*.example.com`); empty allows every host not denied.",
});
defineSetting({
  ...common,
  name: "deny_hosts",
  type: "list",
  default: [],
  help: "Hosts the forward proxy refuses with 403 (`example.com`, `*.example.com`); wins over allow_hosts.",
});
defineSetting({
  ...common,
  name: "proxy_auth",
  type: "string",
  default: "",
  check: (v) => (v === "" || String(v).includes(":") ? undefined : "USER:PASSWORD"),
  help: "Require Basic proxy authentication with these USER:PASSWORD credentials (407 without them).",
});
defineSetting({
  ...common,
  name: "upstream_timeout",
  type: "number",
  min: 0.001,
  default: 30,
  help: "Seconds to wait for an upstream's connection and response head before answering 504.",
});
defineSetting({
  ...common,
  name: "tunnel_timeout",
  type: "number",
  min: 0,
  default: 300,
  help: "Seconds a CONNECT tunnel or websocket may carry no data before it is closed; 0 never.",
});
defineSetting({
  ...common,
  name: "access_log",
  type: "boolean",
  default: false,
  help: "Log one line per proxied request: client, request line, status, bytes, milliseconds; a tunnel (CONNECT, websocket) is logged when it ends, with the bytes sent up after.",
});

/** The proxy's settings, typed, from a worker's app settings. */
export interface ProxySettings {
  upstream: string[];
  connectPorts: Set<number>;
  allowHosts: string[];
  denyHosts: string[];
  proxyAuth: string;
  timeoutMs: number;
  tunnelIdle: number;
  accessLog: boolean;
}

/** Read the proxy's settings out of `cfg` (defaults for those a config lacks). */
export function proxySettings(cfg: Partial<AppSettings>): ProxySettings {
  const list = (k: string, d: string[] = []) => (cfg[k] as string[] | undefined) ?? d;
  return {
    upstream: list("upstream"),
    connectPorts: new Set(list("connect_ports", ["443"]).map(Number)),
    allowHosts: list("allow_hosts"),
    denyHosts: list("deny_hosts"),
    proxyAuth: (cfg.proxy_auth as string | undefined) ?? "",
    timeoutMs: ((cfg.upstream_timeout as number | undefined) ?? 30) * 1000,
    tunnelIdle: (cfg.tunnel_timeout as number | undefined) ?? 300,
    accessLog: (cfg.access_log as boolean | undefined) ?? false,
  };
}

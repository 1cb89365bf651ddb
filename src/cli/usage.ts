/**
 * `--help` of a command: citty's usage, then sections of our own (the bundled
 * apps; each named app's own settings), in citty's look.
 */
import { type CommandDef, renderUsage } from "citty";
import { allSettings, envOf, flagOf, getSetting, type Setting } from "../config/settings.ts";
import { settingDescription } from "./args.ts";

/** A titled block after the options: one line of text, then a column of names and their help. */
export interface UsageSection {
  title: string;
  text?: string;
  rows: [string, string][];
  /** Width of the names' column, at least; to line up with the options. */
  width?: number;
}

// citty's rule, and a terminal on stdout: citty colours a pipe too, so its usage is made plain when we do not colour.
const noColor = (() => {
  const env = process.env;
  return !!env.NO_COLOR || env.TERM === "dumb" || !!env.TEST || !!env.CI || !process.stdout.isTTY;
})();

/** `text` without its colour codes (citty's usage and its error messages). */
export const plain = (text: string) => Bun.stripANSI(text);
const paint =
  (open: number, close = 39) =>
  (t: string) =>
    noColor ? t : `\u001B[${open}m${t}\u001B[${close}m`;
const cyan = paint(36);
const gray = paint(90);
const heading = (t: string) => paint(4, 24)(paint(1, 22)(t));

/** `-w, --workers=<workers>` beside its help, as citty shows a flag. */
function settingRow(s: Setting): [string, string] {
  const hint = s.type === "boolean" ? "" : `=<${s.name}>`;
  return [`${s.short ? `-${s.short}, ` : ""}--${flagOf(s)}${hint}`, settingDescription(s)];
}

/** A section of settings (an app's own), its column lined up with the options that no app owns. */
export function settingsSection(title: string, text: string, settings: Setting[]): UsageSection {
  const width = Math.max(0, ...allSettings().map((s) => (s.app ? 0 : settingRow(s)[0].length)));
  return { title, text, rows: settings.map(settingRow), width };
}

/** Names right-aligned, help left-aligned, as citty lays out its options. */
function columns(rows: [string, string][], least = 0): string {
  const width = Math.max(least, ...rows.map(([name]) => name.length));
  return rows.map(([name, help]) => `  ${cyan(name.padStart(width))}    ${help}`).join("\n");
}

/** The usage of `cmd`, followed by `sections`. */
export async function renderHelp(
  cmd: CommandDef,
  parent: CommandDef | undefined,
  sections: UsageSection[],
): Promise<string> {
  const usage = await renderUsage(cmd, parent);
  const out = [noColor ? plain(usage) : usage];
  for (const { title, text, rows, width } of sections) {
    out.push(heading(title), "");
    if (text) out.push(`  ${gray(text)}`, "");
    if (rows.length) out.push(columns(rows, width), "");
  }
  return out.join("\n");
}

/**
 * The `--help` of a script that starts an arbiter (`bun hello.ts --help`): the
 * settings it parses from its argv, those of `apps` in their own sections.
 */
export function scriptUsage(program: string, apps: string[]): string {
  const shared = allSettings().filter((s) => !s.app);
  const width = Math.max(0, ...shared.map((s) => settingRow(s)[0].length));
  const workers = getSetting("workers");
  const [app] = apps;
  const prefixed = app && workers ? ` One app's own value: --${app}-workers, ${envOf(workers, app)}.` : "";
  const out = [
    gray(`Settings come from these flags, PULSAR_* variables and --config, over the script's own.${prefixed}`),
    "",
    `${heading("USAGE")} ${cyan(`${program} [OPTIONS]`)}`,
    "",
    heading("OPTIONS"),
    "",
    columns(
      [["-h, --help", "Show this help"], ["-v, --version", "Show the version of pulsar"], ...shared.map(settingRow)],
      width,
    ),
    "",
  ];
  for (const app of apps) {
    const own = allSettings().filter((s) => s.app === app);
    if (own.length) out.push(heading(`${app.toUpperCase()} OPTIONS`), "", columns(own.map(settingRow), width), "");
  }
  return out.join("\n");
}

/**
 * `--help` of a command: citty's usage, then sections of our own (the bundled
 * apps; each named app's own settings), in citty's look.
 */
import { type CommandDef, renderUsage } from "citty";
import { allSettings, flagOf, type Setting } from "../config/settings.ts";
import { settingDescription } from "./args.ts";

/** A titled block after the options: one line of text, then a column of names and their help. */
export interface UsageSection {
  title: string;
  text?: string;
  rows: [string, string][];
  /** Width of the names' column, at least; to line up with the options. */
  width?: number;
}

// citty's own rule, so that our sections are coloured exactly when its usage is.
const noColor = (() => {
  const env = process.env;
  return env.NO_COLOR === "1" || env.TERM === "dumb" || !!env.TEST || !!env.CI;
})();
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
export async function renderHelp(cmd: CommandDef, parent: CommandDef, sections: UsageSection[]): Promise<string> {
  const out = [await renderUsage(cmd, parent)];
  for (const { title, text, rows, width } of sections) {
    out.push(heading(title), "");
    if (text) out.push(`  ${gray(text)}`, "");
    if (rows.length) out.push(columns(rows, width), "");
  }
  return out.join("\n");
}

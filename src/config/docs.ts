/** The settings reference, generated from the settings table (docs/settings.md and the README). */
import { allSettings, describeAccepted, envOf, flagOf, type Setting } from "./settings.ts";

/** Settings of the original that are gone on purpose, and why. */
export const DROPPED: [string, string][] = [
  ["event_loop (--io)", "Bun has one event loop; there is nothing to choose."],
  ["thread_workers", "no executor pool: CPU work goes to a Bun Worker (`--concurrency thread`) or its own actor."],
  ["coverage", "`bun test --coverage` measures coverage."],
  ["log_handlers, log_config", "consola formats and routes logs; `--log-level` sets the level."],
  ["password", "unused by the original's core."],
  ["exc_id", "every actor has an aid; the arbiter's is `arbiter`."],
  ["http_keep_alive", "merged into `keep_alive`, which is the server's idle timeout."],
  ["redis_server", "a test-runner setting; tests start their own redis-server."],
  ["key_value_* (PulsarDS)", "PulsarDS is dropped: use a real Redis through `--data-store redis://…`."],
  ["test settings (labels, --sequential, --size, plugins…)", "the test runner is `bun test`."],
];

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

function row(s: Setting): string {
  const dflt = Array.isArray(s.default) ? s.default.join(",") : String(s.default);
  const flag = `\`--${flagOf(s)}\`${s.short ? ` \`-${s.short}\`` : ""}`;
  return `| \`${s.name}\` | ${flag} | \`${envOf(s)}\` | ${cell(describeAccepted(s))} | \`${dflt === "" ? '""' : cell(dflt)}\` | ${cell(s.help)} |`;
}

/** The settings reference as Markdown. */
export function renderSettings(): string {
  const sections = new Map<string, Setting[]>();
  for (const s of allSettings()) sections.set(s.section, [...(sections.get(s.section) ?? []), s]);
  const out: string[] = [
    "Precedence, lowest first: defaults < app defaults < code options < config file < env < CLI.",
    "An app setting can be given for one app only: `--<app>-<flag>`, `PULSAR_<APP>_<NAME>`, or a section named for the app in the config file.",
    "",
  ];
  for (const [section, settings] of sections) {
    out.push(
      `#### ${section}`,
      "",
      "| setting | flag | env | accepts | default | meaning |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const s of settings) out.push(row(s));
    out.push("");
  }
  out.push("#### dropped from the original", "", "| setting | why |", "| --- | --- |");
  for (const [name, why] of DROPPED) out.push(`| ${name} | ${cell(why)} |`);
  return `${out.join("\n")}\n`;
}

/**
 * Writes the generated settings reference into docs/settings.md and between
 * the `settings` markers of README.md: `bun run docs`. A test fails when they
 * are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_APPS } from "../src/cli/apps.ts";
import { renderSettings } from "../src/config/docs.ts";

const ROOT = join(import.meta.dir, "..");
const START = "<!-- settings:start -->";
const END = "<!-- settings:end -->";

/** Load every app, so that the settings they define are in the table. */
export async function settingsDoc(): Promise<string> {
  for (const app of Object.values(BUILTIN_APPS)) await app.load();
  return renderSettings();
}

export function spliceReadme(readme: string, doc: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${readme.slice(0, a + START.length)}\n${doc}${readme.slice(b)}`;
}

if (import.meta.main) {
  const doc = await settingsDoc();
  writeFileSync(join(ROOT, "docs/settings.md"), `# Settings\n\n${doc}`);
  const readme = join(ROOT, "README.md");
  writeFileSync(readme, spliceReadme(readFileSync(readme, "utf8"), doc));
  console.log("wrote docs/settings.md and the README's settings reference");
}

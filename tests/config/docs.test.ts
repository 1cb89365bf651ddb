import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { settingsDoc, spliceReadme } from "../../scripts/settings-doc.ts";
import { allSettings, envOf, flagOf } from "../../src/config/settings.ts";
import { ROOT } from "../helpers/proc.ts";

describe("the settings reference", () => {
  it("lists every setting with its flag and env variable", async () => {
    const doc = await settingsDoc();
    for (const s of allSettings()) {
      expect(doc).toContain(`\`--${flagOf(s)}\``);
      expect(doc).toContain(`\`${envOf(s)}\``);
    }
    expect(doc).toContain("eating_period");
  });

  it("is current in docs/settings.md and the README (run `bun run docs` after changing a setting)", async () => {
    const doc = await settingsDoc();
    expect(readFileSync(join(ROOT, "docs/settings.md"), "utf8")).toBe(`# Settings\n\n${doc}`);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(spliceReadme(readme, doc)).toBe(readme);
  });
});

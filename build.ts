/**
 * Builds the single executable: `bun run build` writes dist/pulsar for this
 * machine; `bun run build --all` cross-compiles every target Bun supports
 * into dist/pulsar-<os>-<arch>. The binary embeds the runtime, every app and
 * the hono modules that user scripts import.
 */
import { mkdirSync, statSync } from "node:fs";

const ENTRY = "src/cli/main.ts";
const TARGETS = [
  "bun-linux-x64",
  "bun-linux-arm64",
  "bun-linux-x64-musl",
  "bun-linux-arm64-musl",
  "bun-darwin-x64",
  "bun-darwin-arm64",
  "bun-windows-x64",
] as const;

type Target = (typeof TARGETS)[number];

async function build(outfile: string, target?: Target): Promise<boolean> {
  const result = await Bun.build({
    entrypoints: [ENTRY],
    minify: true,
    sourcemap: "none",
    compile: { outfile, autoloadBunfig: false, ...(target ? { target } : {}) },
  }).catch((err: unknown) => ({ success: false, logs: [err] }));
  if (!result.success) {
    console.error(`build ${target ?? "native"} failed:`, ...result.logs);
    return false;
  }
  console.log(`${outfile}  ${(statSync(outfile).size / 2 ** 20).toFixed(1)} MB`);
  return true;
}

mkdirSync("dist", { recursive: true });
const all = process.argv.includes("--all");
let ok = await build("dist/pulsar");
if (all) {
  for (const target of TARGETS) {
    const name = target.replace(/^bun-/, "");
    ok = (await build(`dist/pulsar-${name}${target.includes("windows") ? ".exe" : ""}`, target)) && ok;
  }
}
process.exit(ok ? 0 : 1);

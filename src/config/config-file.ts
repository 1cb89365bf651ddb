/** Loading a config file: `.ts`/`.js` (default export, or the module) or `.json`. */
import { resolve } from "node:path";
import { ConfigError } from "../errors.ts";

/** What a config file holds: settings, `apps`, hooks, and sections named for apps. */
export type ConfigFile = Record<string, unknown>;

/** Load the config file at `path` (relative to the cwd). */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  const abs = resolve(path);
  const file = Bun.file(abs);
  if (!(await file.exists())) throw new ConfigError(`config file ${path} does not exist`);
  try {
    if (abs.endsWith(".json")) return (await file.json()) as ConfigFile;
    if (!/\.(ts|js|mjs|mts|cjs)$/.test(abs)) throw new Error("expected a .ts, .js or .json file");
    const mod = await import(abs);
    const data = mod.default ?? mod;
    if (typeof data !== "object" || data === null) throw new Error("its default export is not an object");
    return { ...data } as ConfigFile;
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

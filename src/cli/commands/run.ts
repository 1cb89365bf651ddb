import { defineCommand } from "citty";
import { arbiter } from "../../actor/arbiter.ts";
import { loadConfigFile } from "../../config/config-file.ts";
import { ConfigError } from "../../errors.ts";
import { BUILTIN_APPS } from "../apps.ts";
import { leadingWords, settingArgs } from "../args.ts";

export default defineCommand({
  meta: { name: "run", description: `Run bundled apps under one arbiter: ${Object.keys(BUILTIN_APPS).join(", ")}` },
  args: {
    app: { type: "positional", required: false, description: "app names (or `apps` in the config file)" },
    ...settingArgs(),
  },
  async run({ rawArgs }) {
    let names = leadingWords(rawArgs);
    const flags = rawArgs.slice(names.length);
    if (!names.length) {
      const i = flags.findIndex((f) => f === "--config" || f === "-c" || f.startsWith("--config="));
      const path = i < 0 ? process.env.PULSAR_CONFIG : flags[i]?.includes("=") ? flags[i]?.split("=")[1] : flags[i + 1];
      const listed = path ? (await loadConfigFile(path)).apps : undefined;
      names = Array.isArray(listed) ? listed.map(String) : [];
    }
    if (!names.length) throw new ConfigError(`pulsar run needs an app: ${Object.keys(BUILTIN_APPS).join(", ")}`);
    const arb = arbiter();
    for (const name of names) {
      const entry = BUILTIN_APPS[name];
      if (!entry) throw new ConfigError(`unknown app "${name}": choose from ${Object.keys(BUILTIN_APPS).join(", ")}`);
      arb.add(await entry.load());
    }
    await arb.start({ argv: flags });
  },
});

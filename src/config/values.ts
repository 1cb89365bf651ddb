/** Turning raw values (flags, env strings, config file values) into typed settings. */
import { ConfigError } from "../errors.ts";
import { describeAccepted, type Setting } from "./settings.ts";

/**
 * Parse and validate one raw value. `source` names where it came from
 * (`--workers`, `PULSAR_WORKERS`, `config file key "workers"`) for the error.
 */
export function parseValue(s: Setting, raw: unknown, source: string): unknown {
  const bad = (accepts = describeAccepted(s)) =>
    new ConfigError(`invalid value ${JSON.stringify(raw)} for ${source}: ${s.name} accepts ${accepts}`, {
      setting: s.name,
    });
  let value: unknown;
  switch (s.type) {
    case "int":
    case "number": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n) || (s.type === "int" && !Number.isInteger(n))) throw bad();
      if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) throw bad();
      value = n;
      break;
    }
    case "boolean": {
      if (typeof raw === "boolean") value = raw;
      else if (typeof raw === "string" && /^(1|true|yes|on)$/i.test(raw)) value = true;
      else if (typeof raw === "string" && /^(0|false|no|off|)$/i.test(raw)) value = false;
      else throw bad();
      break;
    }
    case "enum": {
      if (typeof raw !== "string" || !s.choices?.includes(raw)) throw bad();
      value = raw;
      break;
    }
    case "list": {
      const items = Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? raw.split(",") : null;
      if (!items) throw bad();
      value = items.map((x) => x.trim()).filter((x) => x !== "");
      break;
    }
    default: {
      if (typeof raw !== "string" && typeof raw !== "number") throw bad();
      value = String(raw);
    }
  }
  const problem = s.check?.(value);
  if (problem) throw bad(problem);
  return value;
}

/**
 * One consola logger per actor, tagged with its name and pid. The level comes
 * from `--log-level` (or PULSAR_LOG_LEVEL); under `bun test` logging is quiet
 * (warnings and errors only) unless asked.
 */
import { type ConsolaInstance, createConsola, LogLevels } from "consola";

export type Logger = ConsolaInstance;

const LEVELS: Record<string, number> = {
  silent: LogLevels.silent,
  error: LogLevels.error,
  warn: LogLevels.warn,
  info: LogLevels.info,
  debug: LogLevels.debug,
  trace: LogLevels.trace,
};

function initialLevel(): number {
  const asked = process.env.PULSAR_LOG_LEVEL;
  if (asked && asked in LEVELS) return LEVELS[asked] as number;
  return process.env.NODE_ENV === "test" ? LogLevels.warn : LogLevels.info;
}

const root = createConsola({ level: initialLevel() });
const tagged = new Set<ConsolaInstance>();

/**
 * A logger tagged `tag` (an actor's `name:pid`).
 * @example createLogger("arbiter").info("listening on http://127.0.0.1:8060")
 */
export function createLogger(tag: string): Logger {
  const logger = root.withTag(tag);
  logger.level = root.level;
  tagged.add(logger);
  return logger;
}

/** Set the level of every logger, by name (`silent`, `error`, `warn`, `info`, `debug`, `trace`). */
export function setLogLevel(name: string): void {
  const level = LEVELS[name];
  if (level === undefined) return;
  root.level = level;
  for (const logger of tagged) logger.level = level;
}

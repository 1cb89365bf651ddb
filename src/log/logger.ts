/**
 * One consola logger per actor, tagged with its name and pid. The level comes
 * from `--log-level` (or PULSAR_LOG_LEVEL); under `bun test` logging is quiet
 * (warnings and errors only) unless asked.
 *
 * We use consola's core with a one-line reporter: its fancy and basic
 * reporters cost 9–12 MB of RSS in every worker.
 */
import { type ConsolaInstance, type ConsolaReporter, createConsola, LogLevels } from "consola/core";

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

/** `[warn] [hello worker 1:4242] message`: warnings and errors to stderr, the rest to stdout. */
const reporter: ConsolaReporter = {
  log(entry) {
    const text = entry.args.map((a) => (typeof a === "string" ? a : Bun.inspect(a))).join(" ");
    const line = `[${entry.type}]${entry.tag ? ` [${entry.tag}]` : ""} ${text}\n`;
    (entry.level <= LogLevels.warn ? process.stderr : process.stdout).write(line);
  },
};

const root = createConsola({ level: initialLevel(), reporters: [reporter] });
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

/**
 * Process titles, so that ps and top show who is who. Bun's `process.title`
 * does not reach the OS, so: a worker is spawned with `argv0` set to its
 * title (ps' COMMAND column), and every process writes its name to
 * /proc/self/comm (top, `ps -o comm`; 15 bytes at most).
 */
import { writeFileSync } from "node:fs";

export function setProcessTitle(title: string, thread = false): void {
  process.title = title;
  if (process.platform !== "linux") return;
  try {
    writeFileSync(thread ? "/proc/thread-self/comm" : "/proc/self/comm", title.slice(0, 15));
  } catch {
    // Not fatal: only cosmetic.
  }
}

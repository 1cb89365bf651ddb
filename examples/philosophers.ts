/**
 * The dining philosophers of the original (see apps/philosophers):
 *   bun examples/philosophers.ts --workers 5 --eating-period 1
 * and, while it runs, `pulsar info` (or `bun src/cli/main.ts info`) shows each one's meals.
 */
import { philosophers } from "../apps/philosophers/index.ts";

philosophers().start();

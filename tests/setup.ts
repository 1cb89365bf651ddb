import { setDefaultTimeout } from "bun:test";

// Quiet logs in tests unless PULSAR_LOG_LEVEL asks otherwise (the logger reads NODE_ENV=test).
process.env.NODE_ENV = "test";
// Tests start real processes on a 2-core machine: give each its time.
setDefaultTimeout(60_000);

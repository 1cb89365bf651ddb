import { setDefaultTimeout } from "bun:test";
import { runEchoSuite } from "./suite.ts";

setDefaultTimeout(60_000);
runEchoSuite("process");

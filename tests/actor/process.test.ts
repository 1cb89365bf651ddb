import { runActorSuite } from "./suite.ts";

runActorSuite("process");

import { runActorSuite } from "./suite.ts";

runActorSuite("thread");

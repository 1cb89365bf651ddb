import { runActorSuite } from "./suite.ts";

runActorSuite("inline");

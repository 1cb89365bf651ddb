import { it } from "bun:test";
it("sleeps 6s b", async () => { await Bun.sleep(6000); });

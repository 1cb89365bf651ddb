import { it } from "bun:test";
it("sleeps 6s a", async () => { await Bun.sleep(6000); });

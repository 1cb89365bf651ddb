/**
 * The UDP echo server (see apps/echo): each datagram is echoed as is; "QUIT" answers "BYE".
 *   bun examples/echoudp.ts --workers 2 --bind 127.0.0.1:8060
 * and try it: `bun examples/echo-client.ts --udp 127.0.0.1:8060 hello`.
 */
import { echoudp } from "../apps/echo/index.ts";

echoudp().start();

/**
 * The TCP echo server of the original (see apps/echo): messages end with
 * "\r\n\r\n" and are echoed whole; "QUIT" closes the connection.
 *   bun examples/echo.ts --workers 2 --bind 127.0.0.1:8060
 * and talk to it with the pooled client (examples/echo-client.ts) or `socat - TCP:127.0.0.1:8060,crlf`.
 */
import { echo } from "../apps/echo/index.ts";

echo().start();

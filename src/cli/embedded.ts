/**
 * Inside the compiled binary there is no node_modules: a user script's
 * imports of `hono` (and its common subpaths) and of `pulsar` resolve to the
 * copies embedded in the binary, through Bun.plugin virtual modules. From
 * source the same mapping holds, so a script behaves the same either way.
 */
import * as hono from "hono";
import * as basicAuth from "hono/basic-auth";
import * as bearerAuth from "hono/bearer-auth";
import * as bodyLimit from "hono/body-limit";
import * as bun from "hono/bun";
import * as cache from "hono/cache";
import * as compress from "hono/compress";
import * as cookie from "hono/cookie";
import * as cors from "hono/cors";
import * as csrf from "hono/csrf";
import * as etag from "hono/etag";
import * as factory from "hono/factory";
import * as html from "hono/html";
import * as httpException from "hono/http-exception";
import * as logger from "hono/logger";
import * as poweredBy from "hono/powered-by";
import * as prettyJson from "hono/pretty-json";
import * as requestId from "hono/request-id";
import * as secureHeaders from "hono/secure-headers";
import * as streaming from "hono/streaming";
import * as timeout from "hono/timeout";
import * as timing from "hono/timing";
import * as validator from "hono/validator";
import * as ws from "hono/ws";
import * as pulsar from "../index.ts";

const MODULES: Record<string, object> = {
  hono,
  "hono/basic-auth": basicAuth,
  "hono/bearer-auth": bearerAuth,
  "hono/body-limit": bodyLimit,
  "hono/bun": bun,
  "hono/cache": cache,
  "hono/compress": compress,
  "hono/cookie": cookie,
  "hono/cors": cors,
  "hono/csrf": csrf,
  "hono/etag": etag,
  "hono/factory": factory,
  "hono/html": html,
  "hono/http-exception": httpException,
  "hono/logger": logger,
  "hono/powered-by": poweredBy,
  "hono/pretty-json": prettyJson,
  "hono/request-id": requestId,
  "hono/secure-headers": secureHeaders,
  "hono/streaming": streaming,
  "hono/timeout": timeout,
  "hono/timing": timing,
  "hono/validator": validator,
  "hono/ws": ws,
  pulsar,
};

let installed = false;

/** Make `import … from "hono"` and `"pulsar"` resolve to the embedded copies. */
export function installEmbeddedModules(): void {
  if (installed) return;
  installed = true;
  Bun.plugin({
    name: "pulsar-embedded-modules",
    setup(build) {
      for (const [name, mod] of Object.entries(MODULES)) {
        build.module(name, () => ({ exports: mod as Record<string, unknown>, loader: "object" }));
      }
    },
  });
}

/** The module names a script may import without a node_modules folder. */
export const EMBEDDED_MODULES = Object.keys(MODULES);

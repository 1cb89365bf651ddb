/**
 * A remote object (see apps/remote-object): one actor exposes a Store's
 * methods, another calls them as if the object were local.
 *   bun examples/remote-object.ts                  (or: pulsar run remote-object)
 */
import { remoteObjectApp } from "../apps/remote-object/index.ts";

remoteObjectApp().start();

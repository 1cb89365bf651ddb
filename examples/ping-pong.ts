/**
 * Two actors messaging each other (see apps/ping-pong):
 *   bun examples/ping-pong.ts --rounds 5          (or: pulsar run ping-pong --rounds 5)
 */
import { pingPong } from "../apps/ping-pong/index.ts";

pingPong().start();

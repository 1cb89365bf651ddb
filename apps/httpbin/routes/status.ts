/** /status/{codes}: one code, a list picked at random, or weighted (`200:0.5,500:0.5`). */
import { Hono } from "hono";

export const status = new Hono();

const REDIRECTS = new Set([301, 302, 303, 305, 307, 308]);
const TEAPOT =
  '\n    -=[ teapot ]=-\n\n       _...._\n     .\'  _ _ `.\n    | ."` ^ `". _,\n    \\_;`"---"`|//\n      |       ;/\n      \\_     _/\n        `"""`\n';

/** Pick a code from `200`, `200,404` or `200:0.9,500:0.1`; null when the text is not that. */
export function pickStatus(spec: string, random = Math.random()): number | null {
  const choices: [number, number][] = [];
  for (const part of spec.split(",")) {
    const [code, weight] = part.split(":");
    const n = Number(code);
    const w = weight === undefined ? 1 : Number(weight);
    if (!Number.isInteger(n) || n < 100 || n > 599 || !(w >= 0)) return null;
    choices.push([n, w]);
  }
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let at = random * total;
  for (const [code, w] of choices) {
    if (at < w) return code;
    at -= w;
  }
  return choices.at(-1)?.[0] ?? null;
}

status.all("/status/:codes", (c) => {
  const code = pickStatus(c.req.param("codes"));
  if (code === null) return c.text("Invalid status code", 400);
  const headers: Record<string, string> = {};
  if (REDIRECTS.has(code)) headers.location = "/redirect/1";
  if (code === 401) headers["www-authenticate"] = 'Basic realm="Fake Realm"';
  if (code === 407) headers["proxy-authenticate"] = 'Basic realm="Fake Realm"';
  if (code === 418)
    return new Response(TEAPOT, { status: 418, headers: { "x-more-info": "http://tools.ietf.org/html/rfc2324" } });
  const empty = code === 204 || code === 304 || (code >= 100 && code < 200);
  return new Response(empty ? null : "", { status: code, headers });
});

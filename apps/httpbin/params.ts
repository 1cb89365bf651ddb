/**
 * Numbers in httpbin's paths and query strings, read as python-httpbin reads them
 * (Python's `int()` and `float()`), except that what python answers with a 500
 * (a traceback) is a 400 here whose text names the parameter and what it must be.
 *   const numbytes = integer(c.req.query("numbytes"), "numbytes", 10); // 10 when absent
 */
import { HTTPException } from "hono/http-exception";

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Ends the route with a 400 and `reason` as its text/plain body (Hono answers an
 * HTTPException with its response; from a message alone it would lose the media type).
 *   if (code < 200) refuse("code must be from 200 to 599");
 */
export function refuse(reason: string): never {
  const res = new Response(reason, { status: 400, headers: { "content-type": "text/plain; charset=UTF-8" } });
  throw new HTTPException(400, { res });
}

/**
 * A whole number as `int()` takes it (a sign, spaces around), or `absent` when there is none.
 *   integer("-3", "seed", 0) // -3
 */
export function integer(raw: string | undefined, name: string, absent: number): number {
  if (raw === undefined) return absent;
  if (!INTEGER.test(raw.trim())) refuse(`${name} must be a whole number`);
  return Number(raw);
}

/**
 * A decimal number as `float()` takes it (but not inf or nan), or `absent` when there is none.
 *   decimal("1e-1", "delay", 0) // 0.1
 */
export function decimal(raw: string | undefined, name: string, absent: number): number {
  if (raw === undefined) return absent;
  if (!DECIMAL.test(raw.trim())) refuse(`${name} must be a number`);
  return Number(raw);
}

/**
 * A number of seconds, 0 or more, or `absent` when there is none.
 *   seconds("0.5", "duration", 2) // 0.5
 */
export function seconds(raw: string | undefined, name: string, absent: number): number {
  const n = raw === undefined ? absent : DECIMAL.test(raw.trim()) ? Number(raw) : -1;
  if (!(n >= 0)) refuse(`${name} must be a number of seconds, 0 or more`);
  return n;
}

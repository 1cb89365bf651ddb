/**
 * The calculator's methods: the four operations and the original's random
 * walks. Results JSON cannot carry (Infinity, NaN) are errors, not `null`s.
 */
import { RPC_CODES, RpcError } from "../../src/rpc/errors.ts";
import { method } from "../../src/rpc/method.ts";

/** The calculator's own error codes (outside the range JSON-RPC reserves). */
export const CALC_ERRORS = {
  /** `calc.divide(a, 0)`. */
  DIVISION_BY_ZERO: 1000,
  /** A result beyond ±1.8e308. */
  OVERFLOW: 1001,
} as const;

/** Limits of `calc.randompaths`: at most this many paths, points per path, and points in all. */
export const RANDOMPATHS_LIMITS = { num_paths: 100, size: 10_000, points: 200_000 } as const;

function finite(op: string, a: number, b: number, value: number): number {
  if (!Number.isFinite(value))
    throw new RpcError(CALC_ERRORS.OVERFLOW, `overflow: ${op}(${a}, ${b}) is beyond ±1.8e308`, { a, b });
  return value;
}

/** One draw of a normal variate (Box–Muller). */
function normal(mu: number, sigma: number): number {
  const u = 1 - Math.random(); // (0, 1]: log(0) would be -Infinity
  const v = Math.random();
  return mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function bounded(name: string, value: number, min: number, max: number): void {
  if (value < min || value > max)
    throw new RpcError(
      RPC_CODES.INVALID_PARAMS,
      `Invalid params: "${name}" must be from ${min} to ${max}, got ${value}`,
    );
}

/** The `calc` namespace. */
export const calc = {
  add: method({ doc: "Add two numbers: a + b.", params: ["a:number", "b:number"] }, (a, b) =>
    finite("add", a, b, a + b),
  ),
  subtract: method({ doc: "Subtract b from a: a - b.", params: ["a:number", "b:number"] }, (a, b) =>
    finite("subtract", a, b, a - b),
  ),
  multiply: method({ doc: "Multiply two numbers: a × b.", params: ["a:number", "b:number"] }, (a, b) =>
    finite("multiply", a, b, a * b),
  ),
  divide: method(
    { doc: "Divide a by b: a / b. Dividing by zero is error 1000.", params: ["a:number", "b:number"] },
    (a, b) => {
      if (b === 0) throw new RpcError(CALC_ERRORS.DIVISION_BY_ZERO, "division by zero", { a, b });
      return finite("divide", a, b, a / b);
    },
  ),
  randompaths: method(
    {
      doc: `Random walks with normal steps: num_paths (≤ ${RANDOMPATHS_LIMITS.num_paths}) paths of size (≤ ${RANDOMPATHS_LIMITS.size}) steps from 0, steps of mean mu and deviation sigma.`,
      params: ["num_paths?:int", "size?:int", "mu?:number", "sigma?:number"],
    },
    (num_paths = 1, size = 250, mu = 0, sigma = 1) => {
      bounded("num_paths", num_paths, 1, RANDOMPATHS_LIMITS.num_paths);
      bounded("size", size, 1, RANDOMPATHS_LIMITS.size);
      bounded("sigma", sigma, 0, 1e6);
      bounded("mu", mu, -1e6, 1e6);
      if (num_paths * (size + 1) > RANDOMPATHS_LIMITS.points)
        throw new RpcError(
          RPC_CODES.INVALID_PARAMS,
          `Invalid params: num_paths × (size + 1) must be at most ${RANDOMPATHS_LIMITS.points}, got ${num_paths * (size + 1)}`,
        );
      const paths: number[][] = [];
      for (let p = 0; p < num_paths; p++) {
        const path = [0];
        let v = 0;
        for (let t = 0; t < size; t++) {
          v += normal(mu, sigma);
          path.push(v);
        }
        paths.push(path);
      }
      return paths;
    },
  ),
};

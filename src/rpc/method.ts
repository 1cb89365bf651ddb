/**
 * RPC methods: plain (async) functions, optionally with declared parameters.
 * `method()` attaches the declaration (names, types, which are optional, a doc
 * line) to the function, so the dispatcher can check positional and named
 * params against it, and the parameter types flow to a typed client.
 */
import { invalidParams } from "./errors.ts";

/** The parameter types a declaration may name. `int` is a safe integer; `number` is finite. */
export type ParamType = "number" | "int" | "string" | "boolean" | "object" | "array" | "any";

/** One declared parameter: `"name:type"`, or `"name?:type"` when it may be left out. */
export type ParamSpec = `${string}:${ParamType}`;

type TypeOf<T> = T extends "number" | "int"
  ? number
  : T extends "string"
    ? string
    : T extends "boolean"
      ? boolean
      : T extends "object"
        ? Record<string, unknown>
        : T extends "array"
          ? unknown[]
          : unknown;

/** The argument tuple a list of declared parameters gives: `["a:number", "b?:int"]` → `[number, number?]`. */
export type ArgsOf<P extends readonly ParamSpec[]> = P extends readonly [
  infer H,
  ...infer R extends readonly ParamSpec[],
]
  ? H extends `${string}?:${infer T}`
    ? [TypeOf<T>?, ...ArgsOf<R>]
    : H extends `${string}:${infer T}`
      ? [TypeOf<T>, ...ArgsOf<R>]
      : never
  : [];

/** A parameter as the dispatcher checks it. */
export interface Param {
  name: string;
  type: ParamType;
  optional: boolean;
}

/** What the dispatcher knows about a method. */
export interface MethodMeta {
  /** The declared parameters, or null: the params are passed as given. */
  params: Param[] | null;
  /** One line saying what the method does (`documentation`, `functions_list`). */
  doc: string;
}

/** Where a method's declaration hides on the function. */
export const META: unique symbol = Symbol.for("pulsar.rpc.method");

// biome-ignore lint/suspicious/noExplicitAny: a method takes whatever its declaration says
export type AnyFn = (...args: any[]) => unknown;

/** A function with its declaration: still a plain function you can call in-process. */
export type RpcMethod<F extends AnyFn = AnyFn> = F & { readonly [META]: MethodMeta };

const TYPES = new Set<string>(["number", "int", "string", "boolean", "object", "array", "any"]);
const NAME_RE = /^[A-Za-z_$][\w$]*$/;

/** Parse and check a declaration once, when the method is defined. */
export function parseParams(specs: readonly string[]): Param[] {
  const params: Param[] = [];
  for (const spec of specs) {
    const colon = spec.indexOf(":");
    const rawName = colon < 0 ? spec : spec.slice(0, colon);
    const type = colon < 0 ? "any" : spec.slice(colon + 1);
    const optional = rawName.endsWith("?");
    const name = optional ? rawName.slice(0, -1) : rawName;
    if (!NAME_RE.test(name)) throw new TypeError(`parameter ${JSON.stringify(spec)}: bad name`);
    if (!TYPES.has(type)) throw new TypeError(`parameter ${JSON.stringify(spec)}: type must be one of ${[...TYPES]}`);
    if (!optional && params.some((p) => p.optional))
      throw new TypeError(`parameter ${JSON.stringify(spec)}: a required parameter cannot follow an optional one`);
    if (params.some((p) => p.name === name)) throw new TypeError(`parameter ${name} is declared twice`);
    params.push({ name, type: type as ParamType, optional });
  }
  return params;
}

/**
 * Declare a method's parameters and doc line. The result is `fn` itself, so it
 * can still be called directly; its argument types come from `params`.
 * @example
 * const add = method({ doc: "Add two numbers.", params: ["a:number", "b:number"] }, (a, b) => a + b);
 * add(1, 2); // 3, and over JSON-RPC: {"method": "add", "params": {"a": 1, "b": 2}}
 */
export function method<const P extends readonly ParamSpec[], R>(
  decl: { doc?: string; params: P },
  fn: (...args: ArgsOf<P>) => R,
): RpcMethod<(...args: ArgsOf<P>) => R> {
  if (Object.hasOwn(fn, META))
    throw new TypeError("this function is already declared as a method: wrap it, method(decl, (...a) => fn(...a))");
  const meta: MethodMeta = { params: parseParams(decl.params), doc: decl.doc ?? "" };
  return Object.defineProperty(fn, META, { value: meta }) as RpcMethod<(...args: ArgsOf<P>) => R>;
}

/** The declaration of `fn`, or an undeclared one for a plain function. */
export function metaOf(fn: AnyFn): MethodMeta {
  return (fn as Partial<RpcMethod>)[META] ?? { params: null, doc: "" };
}

function typeError(value: unknown, type: ParamType): string | undefined {
  switch (type) {
    case "number":
      // JSON numbers beyond ±1.8e308 parse as ±Infinity: refuse them rather than compute with them.
      return typeof value === "number" && Number.isFinite(value) ? undefined : "a finite number";
    case "int":
      return Number.isSafeInteger(value) ? undefined : "an integer within ±2^53";
    case "string":
    case "boolean":
      return typeof value === type ? undefined : `a ${type}`;
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value) ? undefined : "an object";
    case "array":
      return Array.isArray(value) ? undefined : "an array";
    default:
      return undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return String(value);
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * The argument list for a call: positional params checked in order, named
 * params mapped onto the declared names. Throws -32602 naming the problem.
 * Undeclared methods get an array as arguments, and an object as one argument.
 */
export function argumentsFor(meta: MethodMeta, params: unknown[] | Record<string, unknown> | undefined): unknown[] {
  const declared = meta.params;
  if (params === undefined) params = [];
  if (!declared) return Array.isArray(params) ? params : [params];
  let args: unknown[];
  if (Array.isArray(params)) {
    if (params.length > declared.length)
      throw invalidParams(`takes at most ${declared.length} positional params, got ${params.length}`);
    args = params;
  } else {
    // Own keys only: a "__proto__" key from JSON.parse is an own property, and is refused as unknown.
    for (const key of Object.keys(params))
      if (!declared.some((p) => p.name === key)) throw invalidParams(`unknown parameter ${JSON.stringify(key)}`);
    args = declared.map((p) => (Object.hasOwn(params, p.name) ? params[p.name] : undefined));
    while (args.length && args[args.length - 1] === undefined) args.pop();
  }
  declared.forEach((p, i) => {
    const value = args[i];
    if (value === undefined || (i >= args.length && p.optional)) {
      if (!p.optional) throw invalidParams(`missing required parameter "${p.name}"`);
      return;
    }
    const expected = typeError(value, p.type);
    if (expected) throw invalidParams(`"${p.name}" must be ${expected}, got ${describe(value)}`);
  });
  return args;
}

/**
 * A JSON-RPC client for the calculator: calls, named params, errors, a batch
 * and a notification, over HTTP and then over the websocket.
 *   pulsar run calculator &
 *   bun examples/rpc-client.ts [http://127.0.0.1:8060]
 */
import { JsonProxy, RpcError } from "pulsar";

/** The calculator as this client sees it: the proxy turns each result into a promise. */
interface Calculator {
  calc: {
    add(a: number, b: number): number;
    divide(a: number, b: number): number;
    randompaths(num_paths?: number, size?: number, mu?: number, sigma?: number): number[][];
  };
  ping(): string;
  functions_list(): string[];
}

const url = (process.argv[2] ?? "http://127.0.0.1:8060").replace(/\/$/, "");

for (const target of [`${url}/`, `${url.replace(/^http/, "ws")}/ws`]) {
  const calculator = JsonProxy<Calculator>(target);
  console.log(`${target}: ping → ${await calculator.ping()}`);
  console.log(`calc.add(1, 2) → ${await calculator.calc.add(1, 2)}`);
  console.log(`calc.divide {a: 1, b: 8} → ${await calculator.$call("calc.divide", { a: 1, b: 8 })}`);
  try {
    await calculator.calc.divide(1, 0);
  } catch (err) {
    if (err instanceof RpcError) console.log(`calc.divide(1, 0) → RpcError ${err.rpcCode}: ${err.message}`);
  }
  const batch = calculator.$batch();
  batch.calc.add(2, 2);
  batch.calc.randompaths(2, 5);
  batch.functions_list();
  const [sum, paths, names] = await batch.$send();
  console.log(`batch → ${sum}, ${(paths as number[][]).length} paths, ${(names as string[]).length} methods`);
  await calculator.$notify.ping();
  await calculator.$close();
}

/**
 * The data store of this process (`--data-store`), set by the arbiter and the
 * worker runtime. Its own module so that they need not load a pub/sub backend
 * (ioredis is loaded only by a process that uses Redis).
 */
let store = process.env.PULSAR_DATA_STORE ?? "";

/** The data store this process was given (`--data-store`); empty for the embedded backend. */
export function dataStore(): string {
  return store;
}

/** Set by the arbiter and the worker runtime from the `data_store` setting. */
export function setDataStore(url: string): void {
  store = url ?? "";
}

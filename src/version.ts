import pkg from "../package.json" with { type: "json" };

/** This release of pulsar. */
export const VERSION: string = pkg.version;

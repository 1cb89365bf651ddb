/** A self-signed certificate for tests and benches that serve TLS on loopback. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface SelfSigned {
  /** PEM text, for Bun.serve's `tls` or a client's `ca`. */
  cert: string;
  key: string;
  /** Where they were written, for `--cert-file`/`--key-file`, `curl --cacert`… */
  certFile: string;
  keyFile: string;
}

/**
 * A certificate for localhost and 127.0.0.1, valid one day, made by openssl into `dir`.
 * @example const { certFile, keyFile } = selfSigned(dir.path);
 */
export function selfSigned(dir: string): SelfSigned {
  const [certFile, keyFile] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  const gen = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile].concat([
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ]),
    { stdout: "ignore", stderr: "pipe" },
  );
  if (gen.exitCode !== 0) throw new Error(`openssl failed: ${gen.stderr.toString()}`);
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8"), certFile, keyFile };
}

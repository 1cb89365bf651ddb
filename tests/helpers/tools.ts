/**
 * Tests that need a program from Debian (chromium, python3-requests…) skip with
 * a clear message where it is missing, but fail under CI=true: CI installs them.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type LaunchOptions } from "playwright-core";

export function available(what: string, check: () => boolean, install: string): boolean {
  if (check()) return true;
  const message = `${what} is not installed (${install}); its tests are skipped`;
  if (process.env.CI === "true") throw new Error(`${message}, but CI=true requires them`);
  console.warn(message);
  return false;
}

export const hasChromium = () =>
  available("chromium", () => existsSync("/usr/bin/chromium"), "apt-get install chromium");

export const hasPythonRequests = () =>
  available(
    "python3-requests",
    () => existsSync("/usr/bin/python3") && Bun.spawnSync(["/usr/bin/python3", "-c", "import requests"]).exitCode === 0,
    "apt-get install python3-requests",
  );

/** The reference httpbin (Python, Flask), from Debian: what httpbin.org runs. */
export const hasPythonHttpbin = () =>
  available(
    "python3-httpbin",
    () => existsSync("/usr/bin/python3") && Bun.spawnSync(["/usr/bin/python3", "-c", "import httpbin"]).exitCode === 0,
    "apt-get install python3-httpbin",
  );

export const hasOpenssl = () => available("openssl", () => existsSync("/usr/bin/openssl"), "apt-get install openssl");
export const hasRedis = () =>
  available("redis-server", () => existsSync("/usr/bin/redis-server"), "apt-get install redis-server");

export const hasPythonWebsockets = () =>
  available(
    "python3-websockets",
    () =>
      existsSync("/usr/bin/python3") && Bun.spawnSync(["/usr/bin/python3", "-c", "import websockets"]).exitCode === 0,
    "apt-get install python3-websockets",
  );

/**
 * Debian's Chromium through playwright-core, headless, with the flags this
 * project's machines need; never a downloaded browser. `options` adds to them (a proxy…).
 */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    ...options,
  });
}

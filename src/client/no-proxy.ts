/**
 * Does a NO_PROXY list exclude a URL? The rules are the ones Bun's own fetch
 * applies (checked entry by entry against Bun 1.4.4), so that the proxy
 * `proxyFromEnv` picks is the one a plain `fetch()` in the same process uses:
 *
 * - entries are separated by commas or white space; `*` alone matches every URL;
 * - a name matches itself and its subdomains, written `example.com`,
 *   `.example.com` or `*.example.com`; case and a final dot do not matter;
 * - `host:port` (`[v6]:port`) also needs the URL's port, 80 or 443 when it has none;
 * - an IP address in the URL matches only addresses and CIDR ranges, compared
 *   as numbers (`0:0::1` is `::1`, `::ffff:127.0.0.1` is `127.0.0.1`):
 *   `127.0.0.1`, `127.0.0.0/8`, `::1`, `[fd00::]/8`; never a name suffix.
 */

/** An address: 32 bits for IPv4, 128 for IPv6. */
interface Ip {
  width: 32 | 128;
  bits: bigint;
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** Dotted decimal only: `127.1`, `0x7f.0.0.1` and `127.000.0.1` are names to Bun, not addresses. */
const IPV4 = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);

function parseIp(text: string): Ip | null {
  if (IPV4.test(text)) return { width: 32, bits: text.split(".").reduce((a, o) => (a << 8n) | BigInt(o), 0n) };
  // The URL parser validates IPv6 and writes it as hex groups (an embedded dotted IPv4 included).
  if (!text.includes(":") || !URL.canParse(`http://[${text}]/`)) return null;
  const [head = "", tail] = new URL(`http://[${text}]/`).hostname.slice(1, -1).split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return { width: 128, bits: groups.reduce((a, g) => (a << 16n) | BigInt(`0x${g}`), 0n) };
}

const isMapped = (ip: Ip) => ip.width === 128 && ip.bits >> 32n === 0xffffn;

/** An IPv4-mapped IPv6 address is its IPv4 address. */
function unmap(ip: Ip): Ip {
  return isMapped(ip) ? { width: 32, bits: ip.bits & 0xffff_ffffn } : ip;
}

/** Is `ip` (already unmapped) the address, or in the CIDR range, that `entry` writes? */
function ipMatches(ip: Ip, entry: string): boolean {
  const slash = entry.indexOf("/");
  if (slash < 0) {
    const addr = parseIp(entry);
    return addr !== null && sameAddress(unmap(addr), ip);
  }
  let net = parseIp(entry.slice(0, slash));
  const digits = entry.slice(slash + 1);
  if (!net || !/^\d{1,3}$/.test(digits)) return false;
  let prefix = Number(digits);
  if (prefix > net.width) return false;
  // `::ffff:7f00:0/104` is `127.0.0.0/8`; a mapped range shorter than /96 covers more than IPv4.
  if (isMapped(net) && prefix >= 96) {
    net = unmap(net);
    prefix -= 96;
  }
  if (net.width !== ip.width) return false;
  const shift = BigInt(net.width - prefix);
  return net.bits >> shift === ip.bits >> shift;
}

const sameAddress = (a: Ip, b: Ip) => a.width === b.width && a.bits === b.bits;

/** An entry's host and port: `h`, `h:p`, `[v6]`, `[v6]:p`, `[v6]/n`, or a bare IPv6 (two colons or more). */
function splitEntry(entry: string): { host: string; port?: string } | null {
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    if (close < 0) return null;
    const host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest === "") return { host };
    if (rest.startsWith(":")) return { host, port: rest.slice(1) };
    if (rest.startsWith("/")) return { host: host + rest };
    return null;
  }
  const colon = entry.indexOf(":");
  if (colon < 0 || entry.indexOf(":", colon + 1) >= 0) return { host: entry };
  return { host: entry.slice(0, colon), port: entry.slice(colon + 1) };
}

/**
 * Does `noProxy` (the value of NO_PROXY) exclude `url` from the proxy?
 * @example bypassed(new URL("http://127.0.0.1:8060/"), "localhost, 127.0.0.0/8") // true
 */
export function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "");
  const port = url.port || (url.protocol === "https:" || url.protocol === "wss:" ? "443" : "80");
  const parsed = parseIp(host);
  const ip = parsed && unmap(parsed);
  for (const item of noProxy.toLowerCase().split(/[\s,]+/)) {
    if (!item) continue;
    if (item === "*") return true;
    const entry = splitEntry(item);
    if (!entry || (entry.port !== undefined && entry.port !== port)) continue;
    if (ip) {
      // A CIDR range with a port is not an entry Bun reads.
      if (!(entry.port !== undefined && entry.host.includes("/")) && ipMatches(ip, entry.host.replace(/\.+$/, "")))
        return true;
      continue;
    }
    const name = entry.host.replace(/^\*?\./, "").replace(/\.+$/, "");
    if (name && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

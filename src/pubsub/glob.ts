/**
 * Channel patterns, with Redis's glob syntax (`*`, `?`, `[abc]`, `\` escapes),
 * so that `chat.*` means the same thing on every backend.
 */

/** Does `key` use pattern syntax (and so subscribes to every channel it matches)? */
export function isPattern(key: string): boolean {
  return /[*?[]/.test(key);
}

const cache = new Map<string, RegExp>();

/** The regular expression a glob pattern stands for (cached: patterns are few and reused). */
export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let out = "^";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === "*") out += "[\\s\\S]*";
    else if (ch === "?") out += "[\\s\\S]";
    else if (ch === "\\" && i + 1 < glob.length) out += escapeChar(glob[++i] as string);
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        let body = glob.slice(i + 1, end).replace(/[\\\]]/g, "\\$&");
        if (body.startsWith("^")) body = `^${body.slice(1)}`;
        out += `[${body}]`;
        i = end;
      }
    } else out += escapeChar(ch);
  }
  re = new RegExp(`${out}$`);
  cache.set(glob, re);
  return re;
}

/** Does `channel` match the glob `pattern`? */
export function matches(pattern: string, channel: string): boolean {
  return globToRegExp(pattern).test(channel);
}

function escapeChar(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

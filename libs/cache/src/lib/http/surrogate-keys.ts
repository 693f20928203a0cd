/** Characters that cannot appear in a surrogate key as is: separators, `%`, quotes, controls, non-ASCII. */
const UNSAFE = /[^!-~]|[,%"\\]/gu;

/**
 * The surrogate key for a cache key, tag or namespace: the same text, with separators (space, comma), `%`,
 * quotes, control and non-ASCII characters percent-encoded, so a key is always one word of the
 * `Surrogate-Key` header and the purge request names it the same way.
 */
export function toSurrogateKey(key: string): string {
  return key.replace(UNSAFE, encodeChar);
}

/** Normalizes, de-duplicates and drops empty surrogate keys, keeping the first occurrence's order. */
export function surrogateKeys(keys: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    if (typeof key === 'string' && key.length > 0) out.add(toSurrogateKey(key));
  }
  return [...out];
}

function encodeChar(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate: the replacement character
  }
}

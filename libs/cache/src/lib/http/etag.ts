import { createHash } from 'node:crypto';

/**
 * A strong entity tag for a response body: a hash of its UTF-8 bytes (128 bits of SHA-256, base64url), so the
 * same bytes always get the same tag on every instance and after every cache layer.
 */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body, 'utf8').digest('base64url').slice(0, 22)}"`;
}

/**
 * Whether an `If-None-Match` request header matches `etag` (RFC 9110 §13.1.2: weak comparison, a list of
 * tags, or `*`), i.e. whether the response may be a `304 Not Modified`.
 */
export function etagMatches(ifNoneMatch: string | readonly string[] | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const header = typeof ifNoneMatch === 'string' ? ifNoneMatch : ifNoneMatch.join(',');
  if (header.trim() === '*') return true;
  const wanted = opaque(etag);
  for (const candidate of header.split(',')) {
    if (opaque(candidate.trim()) === wanted) return true;
  }
  return false;
}

/** The tag without its weakness indicator. */
const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

import { InvalidKeyError, InvalidOptionError } from './errors';

/** Rejects keys that are not non-empty strings or are too long (namespace included). */
export function assertKey(key: unknown, fullLength: number, maxLength: number): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(`key: expected a string, got ${typeof key}`);
  if (key.length === 0) throw new InvalidKeyError('key: must not be empty');
  if (fullLength > maxLength) {
    throw new InvalidKeyError(
      `key: ${fullLength} characters with its namespace, over the ${maxLength} maximum`,
    );
  }
}

const NAMESPACE = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/;

/** Namespaces are `[A-Za-z0-9_.-]` segments joined by `:`, so a prefix scan can never match a neighbour. */
export function assertNamespace(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAMESPACE.test(name)) {
    throw new InvalidOptionError(
      `namespace: "${String(name)}" must be segments of letters, digits, _ . - joined by ':'`,
    );
  }
}

/** Rejects tag lists that are not arrays of non-empty strings. */
export function assertTags(tags: unknown): asserts tags is readonly string[] {
  if (!Array.isArray(tags)) throw new InvalidOptionError('tags: expected an array of strings');
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > 512) {
      throw new InvalidOptionError(
        `tags: "${String(tag)}" must be a non-empty string of at most 512 characters`,
      );
    }
  }
}

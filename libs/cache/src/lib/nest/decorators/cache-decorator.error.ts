/**
 * Thrown at startup for a cache decorator that cannot work as written: an unknown placeholder in a key
 * template, a key with no namespace, a method that does not return a promise… The message names the
 * `Class.method` and what to change, and the application does not start.
 */
export class CacheDecoratorError extends Error {
  /** Stable code, in the style of the engine's `CacheError` codes. */
  readonly code = 'E_CACHE_DECORATOR';

  constructor(message: string) {
    super(message);
    this.name = 'CacheDecoratorError';
  }
}

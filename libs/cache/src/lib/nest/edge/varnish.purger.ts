import { toMs, type Duration } from '../../core/duration';
import { InvalidOptionError } from '../../core/errors';
import { EdgePurgeError } from './edge-purge.error';
import type { EdgePurger } from './edge-purger';
import { surrogateKeys } from '../../http/surrogate-keys';

/** Options of {@link VarnishPurger}. */
export interface VarnishPurgerOptions {
  /**
   * Base URLs of the Varnish instances to purge, one per instance (any listener of an instance will do: the
   * xkey index is per instance), e.g. `['http://127.0.0.1:16081']` (`VARNISH_URL` in `.stack/stack.env`).
   */
  readonly urls: readonly string[];
  /** Soft purge (`xkey-softpurge`: objects become stale, still usable for grace) instead of removal. */
  readonly soft?: boolean;
  /** Timeout of each purge request. Default `2s`. */
  readonly timeout?: Duration;
  /**
   * Longest `xkey-purge` header value; more keys are sent in several requests. Default 4096 bytes (Varnish
   * rejects request headers over `http_req_hdr_len`, 8 KB by default).
   */
  readonly maxHeaderBytes?: number;
  /** `fetch` implementation (tests). Default: the global one. */
  readonly fetch?: typeof fetch;
}

/**
 * Purges Varnish by surrogate key through the xkey vmod: `PURGE /` with `xkey-purge: <key> <key> …`, as the
 * repository's VCL (`libs/cache/edge/varnish/default.vcl`) accepts from localhost. Every instance in `urls`
 * is purged; the promise rejects with {@link EdgePurgeError} listing each instance or batch that failed
 * (after trying all of them).
 */
export class VarnishPurger implements EdgePurger {
  /** @inheritdoc */
  readonly name = 'varnish';
  private readonly urls: readonly string[];
  private readonly timeoutMs: number;
  private readonly maxHeaderBytes: number;
  private readonly header: string;
  private readonly fetch: typeof fetch;

  constructor(options: VarnishPurgerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('VarnishPurger: expected options { urls }');
    }
    const urls = options.urls;
    if (!Array.isArray(urls) || urls.length === 0) {
      throw new InvalidOptionError('VarnishPurger urls: expected at least one http:// URL');
    }
    this.urls = urls.map((url, i) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new InvalidOptionError(`VarnishPurger urls[${i}]: "${String(url)}" is not a URL`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new InvalidOptionError(
          `VarnishPurger urls[${i}]: expected http:// or https://, got ${parsed.protocol}`,
        );
      }
      return new URL('/', parsed).toString();
    });
    this.timeoutMs = toMs(options.timeout ?? '2s', 'VarnishPurger timeout');
    this.maxHeaderBytes = options.maxHeaderBytes ?? 4096;
    if (!Number.isInteger(this.maxHeaderBytes) || this.maxHeaderBytes < 64) {
      throw new InvalidOptionError('VarnishPurger maxHeaderBytes: expected an integer of at least 64');
    }
    this.header = options.soft === true ? 'xkey-softpurge' : 'xkey-purge';
    this.fetch = options.fetch ?? fetch;
  }

  /** @inheritdoc */
  async purgeSurrogateKeys(keys: readonly string[]): Promise<void> {
    await this.purge(keys);
  }

  /**
   * Purges `keys` on every instance; resolves how many objects Varnish reported purged in total (its
   * `X-Purged` header), rejects with {@link EdgePurgeError} if any request failed.
   */
  async purge(keys: readonly string[]): Promise<number> {
    const batches = batchWords(surrogateKeys(keys), this.maxHeaderBytes);
    if (batches.length === 0) return 0;
    const failures: string[] = [];
    let firstCause: unknown;
    let purged = 0;
    await Promise.all(
      this.urls.map(async (url) => {
        for (const batch of batches) {
          try {
            const response = await this.fetch(url, {
              method: 'PURGE',
              headers: { [this.header]: batch },
              signal: AbortSignal.timeout(this.timeoutMs),
            });
            await response.arrayBuffer().catch(() => undefined);
            if (!response.ok) {
              failures.push(`${url} answered ${response.status} ${response.statusText}`.trim());
              continue;
            }
            purged += Number(response.headers.get('x-purged') ?? 0) || 0;
          } catch (error) {
            firstCause ??= error;
            failures.push(`${url} unreachable (${error instanceof Error ? error.message : String(error)})`);
          }
        }
      }),
    );
    if (failures.length > 0) throw new EdgePurgeError(this.name, failures, firstCause);
    return purged;
  }
}

/** Joins words with spaces into values of at most `max` bytes (a longer single word gets its own value). */
function batchWords(words: readonly string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of words) {
    if (current !== '' && current.length + 1 + word.length > max) {
      out.push(current);
      current = '';
    }
    current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') out.push(current);
  return out;
}

import { randomUUID } from 'node:crypto';
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  type CreateInvalidationCommandOutput,
} from '@aws-sdk/client-cloudfront';
import { InvalidOptionError } from '../../core/errors';
import { EdgePurgeError } from './edge-purge.error';
import type { EdgePurger } from './edge-purger';

/** CloudFront's limit of paths in one invalidation batch. */
const CLOUDFRONT_MAX_PATHS = 3000;

/** The part of `CloudFrontClient` the purger uses (a stub in unit tests). */
export interface CloudFrontSender {
  send(command: CreateInvalidationCommand): Promise<Pick<CreateInvalidationCommandOutput, 'Invalidation'>>;
}

/** Options of {@link CloudFrontPurger}. */
export interface CloudFrontPurgerOptions {
  /** The distribution to invalidate, e.g. `E2QWRUHAPOMQZL`. */
  readonly distributionId: string;
  /**
   * Maps surrogate keys (cache keys like `bid:42`, tags, namespaces) to the paths to invalidate, since
   * CloudFront invalidates by path: e.g. `bid:42` → `/bids/42`, `bids` → `/bids*`. Paths start with `/`; keys
   * that map to nothing are skipped.
   */
  readonly paths: (keys: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** A CloudFront client (or anything with its `send`). Default: `new CloudFrontClient({ region })`. */
  readonly client?: CloudFrontSender;
  /** Region of the default client. Default `us-east-1` (CloudFront is global). */
  readonly region?: string;
  /** Paths per `CreateInvalidation` call (at most 3000). Default 1000. */
  readonly maxPathsPerInvalidation?: number;
  /** Builds each batch's `CallerReference` (unique per call). Default: `platform-cache-<time>-<uuid>`. */
  readonly callerReference?: () => string;
}

/**
 * Purges CloudFront: the surrogate keys are mapped to paths (`options.paths`), de-duplicated, split into
 * batches and sent as `CreateInvalidation` calls, each with a unique `CallerReference`. Rejects with
 * {@link EdgePurgeError} (the SDK's error as `cause`) when any batch fails, after sending all of them.
 */
export class CloudFrontPurger implements EdgePurger {
  /** @inheritdoc */
  readonly name = 'cloudfront';
  private readonly client: CloudFrontSender;
  private readonly batchSize: number;
  private readonly reference: () => string;

  constructor(private readonly options: CloudFrontPurgerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('CloudFrontPurger: expected options { distributionId, paths }');
    }
    if (typeof options.distributionId !== 'string' || options.distributionId.trim() === '') {
      throw new InvalidOptionError('CloudFrontPurger distributionId: expected a non-empty string');
    }
    if (typeof options.paths !== 'function') {
      throw new InvalidOptionError(
        'CloudFrontPurger paths: expected a function mapping surrogate keys to paths',
      );
    }
    this.batchSize = options.maxPathsPerInvalidation ?? 1000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > CLOUDFRONT_MAX_PATHS) {
      throw new InvalidOptionError(
        `CloudFrontPurger maxPathsPerInvalidation: expected 1-${CLOUDFRONT_MAX_PATHS}`,
      );
    }
    this.client = options.client ?? new CloudFrontClient({ region: options.region ?? 'us-east-1' });
    this.reference = options.callerReference ?? (() => `platform-cache-${Date.now()}-${randomUUID()}`);
  }

  /** @inheritdoc */
  async purgeSurrogateKeys(keys: readonly string[]): Promise<void> {
    await this.purge(keys);
  }

  /** Invalidates the paths of `keys`; resolves the ids of the invalidations CloudFront created. */
  async purge(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const mapped = await this.options.paths(keys);
    if (!Array.isArray(mapped)) throw new EdgePurgeError(this.name, ['paths(): expected an array of paths']);
    const paths = [...new Set(mapped)];
    const bad = paths.find((path) => typeof path !== 'string' || !path.startsWith('/'));
    if (bad !== undefined)
      throw new EdgePurgeError(this.name, [`paths(): "${String(bad)}" does not start with /`]);
    if (paths.length === 0) return [];

    const batches: string[][] = [];
    for (let i = 0; i < paths.length; i += this.batchSize) batches.push(paths.slice(i, i + this.batchSize));
    const outcomes = await Promise.allSettled(
      batches.map((items) =>
        this.client.send(
          new CreateInvalidationCommand({
            DistributionId: this.options.distributionId,
            InvalidationBatch: {
              CallerReference: this.reference(),
              Paths: { Quantity: items.length, Items: items },
            },
          }),
        ),
      ),
    );
    const ids: string[] = [];
    const failures: string[] = [];
    let cause: unknown;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        if (outcome.value.Invalidation?.Id !== undefined) ids.push(outcome.value.Invalidation.Id);
        return;
      }
      cause ??= outcome.reason;
      const reason =
        outcome.reason instanceof Error
          ? `${outcome.reason.name}: ${outcome.reason.message}`
          : String(outcome.reason);
      failures.push(`batch ${i + 1}/${batches.length} (${batches[i].length} paths): ${reason}`);
    });
    if (failures.length > 0) throw new EdgePurgeError(this.name, failures, cause);
    return ids;
  }
}

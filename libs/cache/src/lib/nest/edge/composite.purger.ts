import { InvalidOptionError } from '../../core/errors';
import { EdgePurgeError } from './edge-purge.error';
import type { EdgePurger } from './edge-purger';

/**
 * Purges through several edges at once (e.g. Varnish in front of the services and CloudFront in front of
 * Varnish). Every purger is called; the promise rejects with {@link EdgePurgeError} naming those that failed.
 */
export class CompositePurger implements EdgePurger {
  /** @inheritdoc */
  readonly name: string;

  constructor(private readonly purgers: readonly EdgePurger[]) {
    if (!Array.isArray(purgers) || purgers.some((p) => typeof p?.purgeSurrogateKeys !== 'function')) {
      throw new InvalidOptionError('CompositePurger: expected an array of EdgePurger');
    }
    this.name = purgers.map((p) => p.name).join('+') || 'none';
  }

  /** @inheritdoc */
  async purgeSurrogateKeys(keys: readonly string[]): Promise<void> {
    const outcomes = await Promise.allSettled(this.purgers.map((p) => p.purgeSurrogateKeys(keys)));
    const failures: string[] = [];
    let cause: unknown;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      cause ??= outcome.reason;
      const reason = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      failures.push(`${this.purgers[i].name}: ${reason}`);
    });
    if (failures.length > 0) throw new EdgePurgeError(this.name, failures, cause);
  }
}

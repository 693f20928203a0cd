import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { InTransaction } from '@platform/database';
import { Repository } from 'typeorm';
import { lockForTransaction } from './advisory-lock';
import { StateRule } from './state-rule.entity';
import { Upserted } from './upserted';

/** The fields of a state rule a caller sets; `state` is the key, `version` and `updatedAt` are managed. */
export type StateRuleValues = Pick<
  StateRule,
  'callingHoursStart' | 'callingHoursEnd' | 'timezone' | 'maxAttemptsPerDay' | 'requiresConsent'
>;

const VALUE_KEYS: (keyof StateRuleValues)[] = [
  'callingHoursStart',
  'callingHoursEnd',
  'timezone',
  'maxAttemptsPerDay',
  'requiresConsent',
];

/** Persistence of per-state calling rules. */
@Injectable()
export class StateRuleRepository {
  constructor(@InjectRepository(StateRule) private readonly rules: Repository<StateRule>) {}

  /**
   * Creates the state's rule (version 1) or replaces its values (version + 1), in one transaction locked
   * on the state. Identical values change nothing and report `changed: false` with the version unchanged.
   * `then` runs in the same transaction, under the lock, only when something changed.
   */
  upsert(
    state: string,
    values: StateRuleValues,
    then?: InTransaction<Upserted<StateRule>>,
  ): Promise<Upserted<StateRule>> {
    return this.rules.manager.transaction(async (manager) => {
      await lockForTransaction(manager, `${this.rules.metadata.tablePath}:${state}`);
      const rules = manager.getRepository(StateRule);
      const current = await rules.findOneBy({ state });
      if (current && VALUE_KEYS.every((key) => current[key] === values[key])) {
        return { before: current, after: current, changed: false };
      }
      const before = current ? rules.create({ ...current }) : null;
      const after = await rules.save(
        current ? rules.merge(current, values) : rules.create({ state, ...values }),
      );
      const result = { before, after, changed: true };
      await then?.(manager, result);
      return result;
    });
  }

  /** The state's rule, or null. */
  findByState(state: string): Promise<StateRule | null> {
    return this.rules.findOneBy({ state });
  }
}

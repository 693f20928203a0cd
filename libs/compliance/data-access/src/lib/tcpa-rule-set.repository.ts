import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { InTransaction } from '@platform/database';
import { Repository } from 'typeorm';
import { lockForTransaction } from './advisory-lock';
import { TcpaRuleSet } from './tcpa-rule-set.entity';

/** What {@link TcpaRuleSetRepository.createNextVersion} wrote: the new rule set and the one it deactivated. */
export interface CreatedTcpaRuleSet {
  created: TcpaRuleSet;
  deactivated: TcpaRuleSet | null;
}

/** Persistence of TCPA rule sets. Rule sets are immutable apart from the `active` flag. */
@Injectable()
export class TcpaRuleSetRepository {
  constructor(@InjectRepository(TcpaRuleSet) private readonly ruleSets: Repository<TcpaRuleSet>) {}

  /**
   * Inserts the next version (current max + 1) in one transaction, serialised by an advisory lock.
   * With `activate`, the active rule set is deactivated first, so at most one is ever active. `then` runs
   * in the same transaction (e.g. to queue both changes' events).
   */
  createNextVersion(
    data: Pick<TcpaRuleSet, 'rules' | 'effectiveFrom'>,
    activate: boolean,
    then?: InTransaction<CreatedTcpaRuleSet>,
  ): Promise<CreatedTcpaRuleSet> {
    return this.ruleSets.manager.transaction(async (manager) => {
      await lockForTransaction(manager, this.ruleSets.metadata.tablePath);
      const ruleSets = manager.getRepository(TcpaRuleSet);
      const { max } = (await ruleSets
        .createQueryBuilder('ruleSet')
        .select('COALESCE(MAX(ruleSet.version), 0)', 'max')
        .getRawOne<{ max: number | string }>()) ?? { max: 0 };
      let deactivated: TcpaRuleSet | null = null;
      if (activate) {
        deactivated = await ruleSets.findOneBy({ active: true });
        if (deactivated) {
          await ruleSets.update({ id: deactivated.id }, { active: false });
          deactivated.active = false;
        }
      }
      const created = await ruleSets.save(
        ruleSets.create({ ...data, version: Number(max) + 1, active: activate }),
      );
      await then?.(manager, { created, deactivated });
      return { created, deactivated };
    });
  }

  /** The rule set with this version, or null. */
  findByVersion(version: number): Promise<TcpaRuleSet | null> {
    return this.ruleSets.findOneBy({ version });
  }

  /** The active rule set, or null when none is active. */
  findActive(): Promise<TcpaRuleSet | null> {
    return this.ruleSets.findOneBy({ active: true });
  }
}

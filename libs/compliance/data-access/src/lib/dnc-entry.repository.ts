import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { InTransaction } from '@platform/database';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { lockForTransaction } from './advisory-lock';
import { DncEntry } from './dnc-entry.entity';
import { Upserted } from './upserted';

const sameInstant = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** Persistence of the do-not-call list. Knows only phone hashes, never phone numbers. */
@Injectable()
export class DncEntryRepository {
  constructor(@InjectRepository(DncEntry) private readonly entries: Repository<DncEntry>) {}

  /**
   * Adds the entry or replaces its source and expiry (keeping `addedAt`), in one transaction locked on
   * the hash. Re-adding an identical entry changes nothing and reports `changed: false`. `then` runs in
   * the same transaction, under the lock, only when something changed.
   */
  upsert(
    data: Pick<DncEntry, 'phoneHash' | 'source' | 'expiresAt'>,
    then?: InTransaction<Upserted<DncEntry>>,
  ): Promise<Upserted<DncEntry>> {
    return this.entries.manager.transaction(async (manager) => {
      await lockForTransaction(manager, `${this.entries.metadata.tablePath}:${data.phoneHash}`);
      const entries = manager.getRepository(DncEntry);
      const current = await entries.findOneBy({ phoneHash: data.phoneHash });
      if (current && current.source === data.source && sameInstant(current.expiresAt, data.expiresAt)) {
        return { before: current, after: current, changed: false };
      }
      const before = current ? entries.create({ ...current }) : null;
      const after = await entries.save(current ? entries.merge(current, data) : entries.create(data));
      const result = { before, after, changed: true };
      await then?.(manager, result);
      return result;
    });
  }

  /** The entry, expired or not, or null. */
  findByHash(phoneHash: string): Promise<DncEntry | null> {
    return this.entries.findOneBy({ phoneHash });
  }

  /** The entry if it is in force at `at` (no expiry, or expiring later), else null. */
  findInForce(phoneHash: string, at: Date): Promise<DncEntry | null> {
    return this.entries.findOne({
      where: [
        { phoneHash, expiresAt: IsNull() },
        { phoneHash, expiresAt: MoreThan(at) },
      ],
    });
  }

  /**
   * Deletes the entry under the hash's lock and returns it as it was; null if it did not exist. `then`
   * runs in the same transaction.
   */
  delete(phoneHash: string, then?: InTransaction<DncEntry>): Promise<DncEntry | null> {
    return this.entries.manager.transaction(async (manager) => {
      await lockForTransaction(manager, `${this.entries.metadata.tablePath}:${phoneHash}`);
      const entries = manager.getRepository(DncEntry);
      const current = await entries.findOneBy({ phoneHash });
      if (!current) return null;
      await entries.delete({ phoneHash });
      await then?.(manager, current);
      return current;
    });
  }
}

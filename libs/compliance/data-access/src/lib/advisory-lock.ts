import type { EntityManager } from 'typeorm';

/**
 * Takes a Postgres transaction-scoped advisory lock on `key` (released at commit or rollback), so
 * read-decide-write sequences on the same key run one at a time across every instance.
 */
export async function lockForTransaction(manager: EntityManager, key: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
}

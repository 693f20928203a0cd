import type { EntityManager } from 'typeorm';

/**
 * Work a repository runs inside its own write transaction, after the write and before the commit, with
 * the transaction's `EntityManager` and the write's result. Use cases pass one to queue the change's event
 * in the outbox, so the change and its event commit together; if it throws, neither is written.
 */
export type InTransaction<R> = (manager: EntityManager, result: R) => Promise<void>;

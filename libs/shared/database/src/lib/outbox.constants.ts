/** Postgres `NOTIFY` channel the outbox trigger signals on; the payload is the schema that got new rows. */
export const OUTBOX_CHANNEL = 'outbox_events';

/** Name of the outbox table in every producing service's schema. */
export const OUTBOX_TABLE = 'outbox_events';

/**
 * Transaction-local setting that silences the outbox trigger's `NOTIFY` when it is `off`. The outbox's own
 * insert sets it while the application wakes the relay itself after the commit
 * (`OutboxService.onCommit(listener, { wakesRelay: true })`): a transaction that notifies holds Postgres'
 * one notify lock from its commit until its WAL is flushed, so notifying commits run one at a time.
 */
export const OUTBOX_NOTIFY_SETTING = 'outbox.notify';

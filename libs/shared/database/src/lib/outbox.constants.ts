/** Postgres `NOTIFY` channel the outbox trigger signals on; the payload is the schema that got new rows. */
export const OUTBOX_CHANNEL = 'outbox_events';

/** Name of the outbox table in every producing service's schema. */
export const OUTBOX_TABLE = 'outbox_events';

import { MigrationInterface, QueryRunner } from 'typeorm';
import { OUTBOX_CHANNEL, OUTBOX_NOTIFY_SETTING } from './outbox.constants';
import { schemaOf } from './schema-of';

/** The outbox trigger's function: `NOTIFY` unless `quietWhenOff` and the transaction set the setting off. */
const notifyFunction = (schema: string, quietWhenOff: boolean): string => `
  CREATE OR REPLACE FUNCTION ${schema}.outbox_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${
      quietWhenOff
        ? `IF current_setting('${OUTBOX_NOTIFY_SETTING}', true) IS DISTINCT FROM 'off' THEN
      PERFORM pg_notify('${OUTBOX_CHANNEL}', TG_TABLE_SCHEMA);
    END IF;`
        : `PERFORM pg_notify('${OUTBOX_CHANNEL}', TG_TABLE_SCHEMA);`
    }
    RETURN NULL;
  END $$`;

/**
 * Lets a transaction opt out of the outbox trigger's `NOTIFY` (`SET LOCAL outbox.notify = off`, which
 * `OutboxService` does when the application wakes the relay itself). Postgres serialises the commits of
 * notifying transactions: each holds the notify lock until its WAL is flushed. At 1,000 one-event commits a
 * second the writers queued on that lock (`pg_stat_activity`: `Lock / object` on `COMMIT`) and a commit took
 * 20 ms at the median. Other writers of the table (a script, psql) still notify.
 */
export class QuietOutboxCommits1767000000000 implements MigrationInterface {
  name = 'QuietOutboxCommits1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(notifyFunction(schemaOf(queryRunner), true));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(notifyFunction(schemaOf(queryRunner), false));
  }
}

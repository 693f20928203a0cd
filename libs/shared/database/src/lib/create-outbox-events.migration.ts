import { MigrationInterface, QueryRunner } from 'typeorm';
import { OUTBOX_CHANNEL } from './outbox.constants';
import { schemaOf } from './schema-of';

/**
 * Creates `outbox_events`, the transactional outbox every producing service has in its own schema: a
 * writer inserts the event in the same transaction as the entity change, and the relay publishes pending
 * rows (`sent_at IS NULL`) to Kafka in `id` order. A statement trigger sends `NOTIFY outbox_events,
 * '<schema>'`, delivered at commit, so the relay wakes up at once instead of polling hard.
 */
export class CreateOutboxEvents1765000000000 implements MigrationInterface {
  name = 'CreateOutboxEvents1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.outbox_events (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        topic varchar(200) NOT NULL,
        message_key varchar(200) NOT NULL,
        payload jsonb NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text NULL
      )`);
    // The relay reads only pending rows, oldest first; the pruner only sent ones, by age.
    await queryRunner.query(
      `CREATE INDEX outbox_events_pending_idx ON ${schema}.outbox_events (id) WHERE sent_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_events_sent_at_idx ON ${schema}.outbox_events (sent_at) WHERE sent_at IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE FUNCTION ${schema}.outbox_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${OUTBOX_CHANNEL}', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_events_notify AFTER INSERT ON ${schema}.outbox_events
      FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.outbox_events_notify()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.outbox_events`);
    await queryRunner.query(`DROP FUNCTION ${schema}.outbox_events_notify()`);
  }
}

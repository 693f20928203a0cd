import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from './schema-of';

/** Creates `processed_events`, the consumer idempotency table every service has in its own schema. */
export class CreateProcessedEvents1764000000000 implements MigrationInterface {
  name = 'CreateProcessedEvents1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.processed_events (
        event_id uuid PRIMARY KEY,
        topic varchar(200) NOT NULL,
        entity_id varchar(128) NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX processed_events_topic_entity_idx ON ${schema}.processed_events (topic, entity_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${schemaOf(queryRunner)}.processed_events`);
  }
}

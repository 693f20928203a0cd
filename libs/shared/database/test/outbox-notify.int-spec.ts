import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { createEnvelope } from '@platform/contracts';
import { randomBytes } from 'node:crypto';
import { Client, Notification } from 'pg';
import { DataSource } from 'typeorm';
import {
  CreateOutboxEvents1765000000000,
  dataSourceOptions,
  DatabaseSpec,
  OUTBOX_CHANNEL,
  OutboxService,
  QuietOutboxCommits1767000000000,
  runMigrations,
} from '../src';

const url = process.env['DATABASE_URL'] ?? 'postgres://platform:platform@127.0.0.1:15432/platform';
const spec: DatabaseSpec = {
  entities: [],
  migrations: [CreateOutboxEvents1765000000000, QuietOutboxCommits1767000000000],
};

const envelope = (entityId: string) =>
  createEnvelope({ entity: 'bid' as const, entityId, op: 'updated', version: 1, before: null, after: {} });

/** Resolves after `ms`. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('outbox commits and the relay NOTIFY (real Postgres)', () => {
  const schema = `notify_${randomBytes(4).toString('hex')}`;
  let config: ServiceConfig;
  let dataSource: DataSource;
  let listener: Client;
  const heard: string[] = [];

  beforeAll(async () => {
    config = loadServiceConfig(
      { name: 'notify-test', httpPort: 0, grpcPort: 0, dbSchema: schema },
      { DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:1', KAFKA_BROKERS: '127.0.0.1:1' },
    );
    await runMigrations(config, spec, 'up');
    dataSource = await new DataSource(dataSourceOptions(config, spec)).initialize();
    listener = new Client({ connectionString: url });
    await listener.connect();
    listener.on('notification', (message: Notification) => {
      if (message.channel === OUTBOX_CHANNEL && message.payload === schema) heard.push(message.payload);
    });
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
  });

  afterAll(async () => {
    await listener?.end();
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  /** Notifications for this schema the listener got within a short wait after `write` resolved. */
  const notificationsOf = async (write: () => Promise<unknown>): Promise<number> => {
    heard.length = 0;
    await write();
    // A notification is delivered at commit; a round trip on the listener's session flushes what is queued.
    await listener.query('SELECT 1');
    await sleep(50);
    return heard.length;
  };

  const queue = (outbox: OutboxService, id: string) =>
    dataSource.transaction((tx) => outbox.add(tx, 'bid.changed.v1', envelope(id)));

  it('should notify at commit when no listener wakes the relay (the trigger, as before)', async () => {
    expect(await notificationsOf(() => queue(new OutboxService(), 'plain'))).toBe(1);
  });

  it('should not notify from the trigger while a listener that wakes the relay is registered', async () => {
    const outbox = new OutboxService();
    const committed: string[][] = [];
    const stop = outbox.onCommit(async (events) => void committed.push(events.map((e) => e.event.entityId)), {
      wakesRelay: true,
    });
    expect(await notificationsOf(() => queue(outbox, 'quiet'))).toBe(0);
    expect(committed).toEqual([['quiet']]);

    // Removed: the outbox's inserts notify through the trigger again.
    stop();
    expect(await notificationsOf(() => queue(outbox, 'loud-again'))).toBe(1);
  });

  it('should keep a rolled-back quiet insert from silencing the next transaction on that connection', async () => {
    const outbox = new OutboxService();
    const stop = outbox.onCommit(async () => undefined, { wakesRelay: true });
    await expect(
      dataSource.transaction(async (tx) => {
        await outbox.add(tx, 'bid.changed.v1', envelope('rolled-back'));
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    stop();
    // The setting was local to the transaction that rolled back.
    expect(await notificationsOf(() => queue(outbox, 'after-rollback'))).toBe(1);
  });

  it('should still notify for rows written without the outbox service (a script, psql)', async () => {
    const raw = () =>
      dataSource.query(
        `INSERT INTO "${schema}".outbox_events (event_id, topic, message_key, payload)
         VALUES (gen_random_uuid(), 'bid.changed.v1', 'raw', '{}'::jsonb)`,
      );
    expect(await notificationsOf(raw)).toBe(1);
  });

  it('should notify again after the migration is reverted', async () => {
    const outbox = new OutboxService();
    const stop = outbox.onCommit(async () => undefined, { wakesRelay: true });
    try {
      expect(await runMigrations(config, spec, 'down')).toEqual(['QuietOutboxCommits1767000000000']);
      expect(await notificationsOf(() => queue(outbox, 'reverted'))).toBe(1);
    } finally {
      stop();
      await runMigrations(config, spec, 'up');
    }
  });
});

import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { EventEnvelope, Topic } from '@platform/contracts';
import { KafkaAuthenticationError, RunningService } from '@platform/service-kit';
import {
  dropSchema,
  eventually,
  KafkaBrokerHandle,
  readJson,
  recordTopic,
  sendJson,
  stackEnv,
  startKafkaBroker,
  startTestService,
  TopicRecording,
} from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bidServiceSpec } from '../src';
import { BidCacheKeys } from '../src/lib/cache/bid-cache.keys';

/** A cached value only an invalidation can remove (its TTL outlives the test). */
const STALE = { stale: true };
const USER = 'bid-svc';
const PASSWORD = randomBytes(16).toString('hex');

/**
 * The bid service against a throwaway broker that takes SASL/SCRAM-SHA-256 over TLS only (the shared
 * stack's PLAINTEXT Kafka is never touched). Its password comes from a mounted file
 * (`KAFKA_SASL_PASSWORD_FILE`), the broker's CA from `KAFKA_TLS_CA_FILE`. With them the outbox relay
 * publishes, the service's own consumer reads its event back and evicts the cached bid; with a wrong
 * password the boot stops with an error naming Kafka and the user; without TLS the broker refuses it.
 */
describe('bid service against a SASL/SCRAM + TLS Kafka (throwaway broker)', () => {
  const databaseUrl = stackEnv()['DATABASE_URL'];
  const schemas: string[] = [];
  const newSchema = () => {
    const schema = `bid_sasl_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  let secretsDir: string;
  let broker: KafkaBrokerHandle;
  let service: RunningService | undefined;
  let recording: TopicRecording | undefined;

  /** The service's Kafka settings: the broker's, with the password from a file instead of the environment. */
  const kafkaEnv = (): Record<string, string> => {
    const { KAFKA_SASL_PASSWORD: _password, ...env } = broker.serviceEnv(USER);
    return { ...env, KAFKA_SASL_PASSWORD_FILE: join(secretsDir, 'kafka-password') };
  };

  const start = (overrides: Record<string, string>) => {
    const schema = newSchema();
    return startTestService(bidServiceSpec(), {
      DB_SCHEMA: schema,
      CACHE_PREFIX: `${schema}:`,
      LOG_LEVEL: 'fatal',
      ...overrides,
    });
  };

  beforeAll(async () => {
    secretsDir = await mkdtemp(join(tmpdir(), 'bid-sasl-secrets-'));
    await writeFile(join(secretsDir, 'kafka-password'), `${PASSWORD}\n`, { mode: 0o600 });
    await writeFile(join(secretsDir, 'wrong-password'), 'not-the-password\n', { mode: 0o600 });
    broker = await startKafkaBroker({
      secure: { users: [{ name: USER, password: PASSWORD, mechanism: 'scram-sha-256' }] },
    });
  }, 180000);

  afterEach(async () => {
    await recording?.stop();
    recording = undefined;
  });

  afterAll(async () => {
    await service?.app.close();
    await broker?.destroy();
    for (const schema of schemas) await dropSchema(databaseUrl, schema);
    await rm(secretsDir, { recursive: true, force: true });
  }, 60000);

  it('should publish its outbox events over SASL_SSL and evict the cached bid when its own event comes back', async () => {
    service = await start(kafkaEnv());
    expect(service.config.kafka.security).toMatchObject({
      sasl: { mechanism: 'scram-sha-256', username: USER, password: PASSWORD },
      tls: { ca: broker.certificates?.ca },
    });
    const cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    recording = await recordTopic(Topic.BidChanged, 60000, broker.brokers, broker.clientOptions(USER));

    const created = await sendJson('POST', `${service.httpUrl}/bids`, {
      callId: `call-${randomUUID()}`,
      buyerId: `buyer-${randomUUID()}`,
      amountCents: 100,
    });
    expect(created.status).toBe(201);
    const id = (await readJson(created)).id as string;
    const ofBid = (message: { value: Buffer | null }) =>
      (JSON.parse(String(message.value)) as EventEnvelope).entityId === id;
    await recording.waitFor(ofBid, 1, 30000);

    // Only the bid's next event, through Kafka and the service's own consumer, can remove this.
    await cache.set(BidCacheKeys.bid(id), STALE, { ttl: '1h' });
    expect(await cache.get(BidCacheKeys.bid(id))).toEqual(STALE);
    const updated = await sendJson('PATCH', `${service.httpUrl}/bids/${id}`, { amountCents: 250 });
    expect(updated.status).toBe(200);

    const [, second] = await recording.waitFor(ofBid, 2, 30000);
    expect((JSON.parse(String(second.value)) as EventEnvelope).version).toBe(2);
    await eventually(async () => (await cache.get(BidCacheKeys.bid(id))) === undefined, 30000);
  }, 120000);

  it.each([
    ['the topics check', 'true'],
    ['the credentials check', 'false'],
  ])(
    'should stop at boot with an error naming Kafka and the user when the password is wrong (%s)',
    async (_path, ensureTopics) => {
      const boot = start({
        ...kafkaEnv(),
        KAFKA_SASL_PASSWORD_FILE: join(secretsDir, 'wrong-password'),
        KAFKA_ENSURE_TOPICS: ensureTopics,
      });
      await expect(boot).rejects.toBeInstanceOf(KafkaAuthenticationError);
      await expect(boot).rejects.toThrow(
        `Kafka refused the credentials of user "${USER}" (SASL SCRAM-SHA-256) at ${broker.brokers}`,
      );
      await expect(boot).rejects.not.toThrow('not-the-password');
    },
    60000,
  );

  it('should not reach the broker without TLS', async () => {
    const { KAFKA_TLS_CA_FILE: _ca, ...withoutTls } = kafkaEnv();
    const boot = start({ ...withoutTls, KAFKA_TLS: 'false' });
    await expect(boot).rejects.toThrow(/Connection|closed|timeout/i);
    await expect(boot).rejects.not.toBeInstanceOf(KafkaAuthenticationError);
  }, 90000);
});

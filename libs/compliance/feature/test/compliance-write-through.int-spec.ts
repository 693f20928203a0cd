import type { RunningService } from '@platform/service-kit';
import {
  dropSchema,
  eventually,
  readJson,
  sendJson,
  stackEnv,
  startTestService,
} from '@platform/service-kit/testing';
import { Redis } from 'ioredis';
import { randomBytes, randomInt } from 'node:crypto';
import { Client } from 'pg';
import { complianceServiceSpec, DEVELOPMENT_PEPPER, hmacPhoneNumber } from '../src';

/**
 * Write-through past compliance's own change event, on the real stack: the writer puts the new value in the
 * cache after commit, then its event reaches the Kafka consumer, whose invalidation evicts the key everywhere.
 * The refill listener reloads the key after that eviction, so checks keep hitting. The service runs in a schema,
 * cache prefix and consumer group of its own, its group started at the topic's end (no replayed event of an
 * earlier run evicts its keys meanwhile).
 */
describe('compliance write-through after its own change event (real Postgres, Redis, Kafka)', () => {
  const schema = `compliance_wt_${randomBytes(4).toString('hex')}`;
  const prefix = `${schema}:`;
  const databaseUrl = stackEnv()['DATABASE_URL'];
  let service: RunningService;
  const redis = new Redis(stackEnv()['REDIS_URL']);
  const db = new Client({ connectionString: databaseUrl });

  beforeAll(async () => {
    await db.connect();
    service = await startTestService(
      complianceServiceSpec(),
      { DB_SCHEMA: schema, CACHE_PREFIX: prefix, KAFKA_GROUP_ID: `compliance-${schema}`, LOG_LEVEL: 'fatal' },
      { skipTopicHistory: true },
    );
  }, 60000);

  afterAll(async () => {
    await service?.app.close();
    await redis.quit();
    await db.end();
    await dropSchema(databaseUrl, schema);
  });

  /** The value L2 holds under a full compliance key, or undefined when it holds none. */
  const l2Value = async (fullKey: string): Promise<unknown> => {
    const raw = await redis.get(`${prefix}${fullKey}`);
    return raw === null ? undefined : (JSON.parse(raw) as { v: unknown }).v;
  };
  const putState = async (callingHoursEnd: number) =>
    readJson(
      await sendJson('PUT', `${service.httpUrl}/compliance/states/DE`, {
        callingHoursStart: 9,
        callingHoursEnd,
        timezone: 'America/New_York',
        maxAttemptsPerDay: 2,
        requiresConsent: false,
      }),
    );
  /** The number of this service's consumer has handled events about `entityId`. */
  const handled = async (entityId: string) =>
    (
      await db.query(`SELECT count(*)::int AS n FROM "${schema}".processed_events WHERE entity_id = $1`, [
        entityId,
      ])
    ).rows[0].n as number;
  /** Resolves once the consumer has handled more than `before` events about `entityId` (evicting for them). */
  const consumed = (entityId: string, before: number) =>
    eventually(async () => (await handled(entityId)) > before, 40000);

  it("should hold a state rule read here in L2 after its change event's eviction, with the committed value", async () => {
    await putState(20);
    await consumed('state:DE', 0);
    // Read here (through the cache): the key is one this instance uses.
    expect((await fetch(`${service.httpUrl}/compliance/states/DE`)).status).toBe(200);
    const before = await handled('state:DE');
    const written = await putState(21);
    await consumed('state:DE', before);
    // The eviction ran before the inbox row was written; the reload follows it.
    await eventually(
      async () => JSON.stringify(await l2Value('compliance:state:DE')) === JSON.stringify(written),
      5000,
    );
  });

  it("should hold a DNC answer read here in L2 after its change event's eviction", async () => {
    const phoneNumber = `+1302${String(randomInt(0, 1e7)).padStart(7, '0')}`;
    const phoneHash = hmacPhoneNumber(DEVELOPMENT_PEPPER, phoneNumber);
    const entityId = `dnc:${phoneHash}`;
    const add = (expiresAt?: string) =>
      sendJson('POST', `${service.httpUrl}/compliance/dnc`, { phoneNumber, source: 'test', expiresAt });
    expect((await add()).status).toBeLessThan(300);
    await consumed(entityId, 0);
    const check = await fetch(
      `${service.httpUrl}/compliance/dnc/check?phoneNumber=${encodeURIComponent(phoneNumber)}`,
    );
    expect(await check.json()).toMatchObject({ listed: true });
    const until = new Date(Date.now() + 86_400_000);
    expect((await add(until.toISOString())).status).toBeLessThan(300);
    await consumed(entityId, 1);
    await eventually(async () => {
      const value = (await l2Value(`compliance:dnc:${phoneHash}`)) as { until?: number } | undefined;
      return value?.until === until.getTime();
    }, 5000);
  });

  it('should leave evicted a key this instance has not read', async () => {
    const phoneNumber = `+1302${String(randomInt(0, 1e7)).padStart(7, '0')}`;
    const phoneHash = hmacPhoneNumber(DEVELOPMENT_PEPPER, phoneNumber);
    expect(
      (await sendJson('POST', `${service.httpUrl}/compliance/dnc`, { phoneNumber, source: 'test' })).status,
    ).toBeLessThan(300);
    await consumed(`dnc:${phoneHash}`, 0);
    // Long enough for a reload to have landed (the others land within milliseconds).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await l2Value(`compliance:dnc:${phoneHash}`)).toBeUndefined();
  });
});

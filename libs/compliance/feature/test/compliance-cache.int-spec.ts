import { stackEnv, sendJson, useTestService, readJson } from '@platform/service-kit/testing';
import { Redis } from 'ioredis';
import { randomBytes, randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { complianceServiceSpec, DEVELOPMENT_PEPPER, hmacPhoneNumber } from '../src';

/** Reads the L2 entry of a full compliance key (the engine stores `{"v": value, …}` JSON). */
const l2Value = async (redis: Redis, prefix: string, fullKey: string): Promise<unknown> => {
  const raw = await redis.get(`${prefix}${fullKey}`);
  return raw === null ? undefined : (JSON.parse(raw) as { v: unknown }).v;
};

describe('compliance reads and writes through the cache (real Postgres, Redis)', () => {
  const prefix = `compliance-cache-${randomBytes(4).toString('hex')}:`;
  // Relay off: no change event evicts what the write put in the cache while a test reads it back (the
  // event path is covered by compliance.int-spec.ts).
  const service = useTestService(complianceServiceSpec(), 'compliance', {
    CACHE_PREFIX: prefix,
    OUTBOX_RELAY_ENABLED: 'false',
  });
  const redis = new Redis(stackEnv()['REDIS_URL']);
  afterAll(() => redis.quit());
  const db = () => service.app.get(DataSource);
  const url = (path: string) => `${service.httpUrl}${path}`;

  it('should write a state rule through to compliance:state:{state} and serve reads from it', async () => {
    const state = 'WY';
    const rule = {
      callingHoursStart: 9,
      callingHoursEnd: randomInt(10, 24),
      timezone: 'America/Denver',
      maxAttemptsPerDay: 2,
      requiresConsent: true,
    };
    const written = await readJson(await sendJson('PUT', url(`/compliance/states/${state}`), rule));
    expect(await l2Value(redis, prefix, `compliance:state:${state}`)).toEqual(written);
    // Postgres changed behind the service's back: the read is the cached copy, not a query.
    await db().query(`UPDATE compliance.state_rules SET max_attempts_per_day = 99 WHERE state = $1`, [state]);
    expect(await readJson(await fetch(url(`/compliance/states/${state}`)))).toEqual(written);
  });

  it('should cache a miss-then-read state under its key (read-through fills the key the map evicts)', async () => {
    await db().query(`DELETE FROM compliance.state_rules WHERE state = 'VT'`);
    await redis.del(`${prefix}compliance:state:VT`);
    expect((await fetch(url('/compliance/states/VT'))).status).toBe(404);
    expect(await l2Value(redis, prefix, 'compliance:state:VT')).toBeNull();
  });

  it('should publish a new TCPA version through the active pointer and its immutable entry', async () => {
    const created = await readJson(
      await sendJson('POST', url('/compliance/tcpa-rule-sets'), {
        rules: { quietHours: [21, 8] },
        effectiveFrom: '2026-01-01T00:00:00.000Z',
        activate: true,
      }),
    );
    expect(await l2Value(redis, prefix, 'compliance:tcpa:active')).toBe(created.version);
    expect(await l2Value(redis, prefix, `compliance:tcpa:v${created.version}`)).toEqual(created);
    expect(await readJson(await fetch(url('/compliance/tcpa-rule-sets/active')))).toEqual(created);
  });

  it('should key DNC status by the keyed hash only: the number is in no key, value or answer', async () => {
    const digits = `1415${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    const phone = `+${digits}`;
    const hash = hmacPhoneNumber(DEVELOPMENT_PEPPER, phone);
    const added = await sendJson('POST', url('/compliance/dnc'), { phoneNumber: phone, source: 'test' });
    expect(added.status).toBe(201);
    expect(await l2Value(redis, prefix, `compliance:dnc:${hash}`)).toEqual({ listed: true, until: null });
    const check = await readJson(await fetch(url(`/compliance/dnc/check?phoneNumber=%2B${digits}`)));
    expect(check).toEqual({ listed: true, phoneHash: hash });
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.some((key) => key.includes(digits))).toBe(false);
    for (const key of keys) expect((await redis.get(key)) ?? '').not.toContain(digits);
    expect(JSON.stringify(check)).not.toContain(digits);

    expect((await fetch(url(`/compliance/dnc/${hash}`), { method: 'DELETE' })).status).toBe(204);
    expect(await l2Value(redis, prefix, `compliance:dnc:${hash}`)).toEqual({ listed: false, until: null });
  });

  it('should accept a number typed with separators, normalised to E.164 before hashing', async () => {
    const check = await readJson(
      await fetch(url(`/compliance/dnc/check?phoneNumber=${encodeURIComponent('+1 (415) 555-0100')}`)),
    );
    expect(check.phoneHash).toBe(hmacPhoneNumber(DEVELOPMENT_PEPPER, '+14155550100'));
  });

  it('should refuse a malformed number with 400 naming the field, without echoing it', async () => {
    const response = await fetch(url('/compliance/dnc/check?phoneNumber=98765x4321'));
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('phoneNumber');
    expect(text).not.toContain('98765');
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { MAX_INPUT_DEPTH } from '@platform/service-kit';
import {
  deeplyNestedBodies,
  dropSchema,
  readJson,
  sendJson,
  stackEnv,
  useTestService,
} from '@platform/service-kit/testing';
import { analyticsServiceSpec } from '../src';

describe('analytics service with bad input (real Postgres, Redis, Kafka)', () => {
  const schema = `analytics_bad_${randomBytes(4).toString('hex')}`;
  const service = useTestService(analyticsServiceSpec(), 'analytics', {
    // A schema of its own: the shared `analytics` schema may hold another branch's migrations.
    DB_SCHEMA: schema,
    CACHE_PREFIX: `${schema}:`,
    KAFKA_GROUP_ID: `analytics-${schema}`,
  });
  afterAll(async () => dropSchema(stackEnv()['DATABASE_URL'], schema), 60000);
  const writes = [{ method: 'POST', path: '/analytics/calls', field: 'callId' }];

  it.each(writes)(
    'should answer 400 naming the field for deeply nested JSON on $method $path',
    async ({ method, path, field }) => {
      for (const bad of deeplyNestedBodies(field)) {
        const response = await sendJson(method, `${service.httpUrl}${path}`, bad.body);
        expect(response.status).toBe(400);
        expect(await readJson(response)).toMatchObject({
          code: 'VALIDATION.FAILED',
          fields: [
            {
              field: expect.stringMatching(bad.field),
              message: `nested deeper than ${MAX_INPUT_DEPTH} levels`,
            },
          ],
        });
      }
    },
  );

  it.each(writes)('should refuse a form body on $method $path with 415', async ({ method, path, field }) => {
    const response = await fetch(`${service.httpUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${field}=1`,
    });
    expect(response.status).toBe(415);
    expect(await readJson(response)).toMatchObject({ message: expect.stringContaining('application/json') });
  });

  it('should answer 400 naming `period` when the cached revenue route is asked for a day that does not exist', async () => {
    // The check runs behind the HTTP cache interceptor, which must pass the domain error through untouched.
    const response = await fetch(`${service.httpUrl}/analytics/revenue/${randomUUID()}?period=2026-02-30`);
    expect(response.status).toBe(400);
    expect(await readJson(response)).toMatchObject({
      code: 'VALIDATION.FAILED',
      fields: [{ field: 'period', message: 'must be a real month (YYYY-MM) or day (YYYY-MM-DD)' }],
    });
  });
});

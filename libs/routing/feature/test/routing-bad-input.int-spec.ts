import { MAX_INPUT_DEPTH } from '@platform/service-kit';
import { deeplyNestedBodies, readJson, sendJson, useTestService } from '@platform/service-kit/testing';
import { routingServiceSpec } from '../src';

describe('routing service with bad input (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(routingServiceSpec(), 'routing');
  const writes = [{ method: 'PUT', path: '/routing/buyers/buyer-deep', field: 'states' }];

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
    expect(await readJson(response)).toMatchObject({
      message: expect.stringContaining('application/json'),
      fields: [{ field: 'content-type', message: expect.stringContaining('application/json') }],
    });
  });
});

import { MAX_INPUT_DEPTH } from '@platform/service-kit';
import { deeplyNestedBodies, readJson, sendJson, useTestService } from '@platform/service-kit/testing';
import { bidServiceSpec } from '../src';

describe('bid service with bad input (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(bidServiceSpec(), 'bid');
  const writes = [
    { method: 'POST', path: '/bids', field: 'callId' },
    { method: 'PATCH', path: '/bids/6f1c1f6e-0d7a-4c3e-9a51-7a0e6f0b9d11', field: 'amountCents' },
  ];

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
});

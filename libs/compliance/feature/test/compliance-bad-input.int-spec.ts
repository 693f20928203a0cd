import { status } from '@grpc/grpc-js';
import { createGrpcClient, JSON_BODY_LIMIT_BYTES, MAX_INPUT_DEPTH } from '@platform/service-kit';
import {
  deeplyNestedBodies,
  deeplyNestedJson,
  readJson,
  sendJson,
  useTestService,
} from '@platform/service-kit/testing';
import { complianceServiceSpec } from '../src';

const DEEP = 1500;
const tooDeep = `nested deeper than ${MAX_INPUT_DEPTH} levels`;

// Fastify is the default; Express still runs by config and must answer bad input the same way.
describe.each(['fastify', 'express'])(
  'compliance service with bad input on %s (real Postgres, Redis, Kafka)',
  (adapter) => {
    const service = useTestService(complianceServiceSpec(), 'compliance', { HTTP_ADAPTER: adapter });
    const writes = [
      { method: 'POST', path: '/compliance/tcpa-rule-sets', field: 'rules' },
      { method: 'POST', path: '/compliance/dnc', field: 'source' },
      { method: 'PUT', path: '/compliance/states/CA', field: 'timezone' },
    ];

    describe('deeply nested JSON', () => {
      it.each(writes)(
        'should answer 400 naming the field on $method $path',
        async ({ method, path, field }) => {
          for (const bad of deeplyNestedBodies(field)) {
            const response = await sendJson(method, `${service.httpUrl}${path}`, bad.body);
            expect(response.status).toBe(400);
            expect(await readJson(response)).toMatchObject({
              statusCode: 400,
              code: 'VALIDATION.FAILED',
              fields: [{ field: expect.stringMatching(bad.field), message: tooDeep }],
            });
          }
        },
      );

      it('should still accept rules nested up to the limit', async () => {
        const depthOfRules = MAX_INPUT_DEPTH - 1; // the body itself is one level
        const response = await sendJson(
          'POST',
          `${service.httpUrl}/compliance/tcpa-rule-sets`,
          `{"rules":${deeplyNestedJson(depthOfRules, 'object')},"effectiveFrom":"2026-01-01T00:00:00Z"}`,
        );
        expect(response.status).toBe(201);
      });

      it('should refuse a NUL character in the query string naming the parameter', async () => {
        const response = await fetch(`${service.httpUrl}/compliance/dnc/check?phoneNumber=%2B1555%00`);
        expect(response.status).toBe(400);
        expect((await readJson(response)).fields).toEqual([
          { field: 'phoneNumber', message: 'must not contain NUL characters' },
        ]);
      });

      it('should answer INVALID_ARGUMENT naming rulesJson when it is nested too deep over gRPC', async () => {
        for (const shape of ['array', 'object'] as const) {
          await expect(
            service.grpc.call('createTcpaRuleSet', {
              rulesJson: `{"a":${deeplyNestedJson(DEEP, shape)}}`,
              effectiveFrom: '2026-01-01T00:00:00Z',
              activate: false,
            }),
          ).rejects.toMatchObject({
            code: status.INVALID_ARGUMENT,
            details: expect.stringContaining(`rulesJson: ${tooDeep}`),
          });
        }
      });

      it('should answer INVALID_ARGUMENT when rulesJson holds a NUL character, as a REST body would', async () => {
        await expect(
          service.grpc.call('createTcpaRuleSet', {
            rulesJson: '{"note":"a\\u0000b"}',
            effectiveFrom: '2026-01-01T00:00:00Z',
            activate: false,
          }),
        ).rejects.toMatchObject({
          code: status.INVALID_ARGUMENT,
          details: expect.stringContaining('rulesJson: must not contain NUL characters'),
        });
      });
    });

    describe('GetActiveTcpaRuleSet over gRPC', () => {
      it('should answer an empty request with the active rule set, as REST does', async () => {
        const created = await sendJson('POST', `${service.httpUrl}/compliance/tcpa-rule-sets`, {
          rules: { quietHours: [21, 8] },
          effectiveFrom: '2026-01-01T00:00:00Z',
          activate: true,
        });
        expect(created.status).toBe(201);
        const { id } = await readJson(created);

        const rest = await fetch(`${service.httpUrl}/compliance/tcpa-rule-sets/active`);
        expect(rest.status).toBe(200);
        const { ruleSet } = await service.grpc.call('getActiveTcpaRuleSet', {});
        expect(ruleSet).toMatchObject({ id, active: true });

        // With a deadline, as every peer client sends one (grpc-js then keeps a timer on the call).
        const peer = createGrpcClient('compliance', service.grpcAddress, { deadlineMs: 10_000 });
        try {
          await expect(peer.call('getActiveTcpaRuleSet', {})).resolves.toMatchObject({
            ruleSet: { id, active: true },
          });
        } finally {
          peer.close();
        }
      });
    });

    describe('HTTP defaults', () => {
      it('should tell shared caches no-store on routes that do not say otherwise, errors included', async () => {
        const ok = await fetch(`${service.httpUrl}/compliance/tcpa-rule-sets/active`);
        const bad = await fetch(`${service.httpUrl}/compliance/dnc/check?phoneNumber=%00`);
        expect(bad.status).toBe(400);
        for (const response of [ok, bad]) expect(response.headers.get('cache-control')).toBe('no-store');
        expect(ok.headers.get('x-powered-by')).toBeNull();
      });

      it('should serve health and Prometheus metrics', async () => {
        const ready = await fetch(`${service.httpUrl}/health/ready`);
        expect(ready.status).toBe(200);
        const metrics = await fetch(`${service.httpUrl}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get('content-type')).toContain('text/plain');
        expect(await metrics.text()).toContain('# TYPE');
      });
    });

    describe('request bodies', () => {
      it.each(writes)('should refuse a form body on $method $path with 415', async ({ method, path }) => {
        const response = await fetch(`${service.httpUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'source=web&timezone=UTC',
        });
        expect(response.status).toBe(415);
        expect(await readJson(response)).toMatchObject({
          statusCode: 415,
          message: expect.stringContaining('application/json'),
        });
      });

      it('should say that the request body is not valid JSON', async () => {
        const response = await sendJson('POST', `${service.httpUrl}/compliance/dnc`, '{"source": ');
        expect(response.status).toBe(400);
        expect(await readJson(response)).toMatchObject({
          statusCode: 400,
          code: 'REQUEST.INVALID_JSON',
          message: expect.stringMatching(/^request body is not valid JSON: ./),
          fields: [{ field: '(body)', message: expect.stringMatching(/^is not valid JSON: ./) }],
        });
      });

      it('should accept a JSON body whose type has a +json suffix or parameters', async () => {
        for (const type of ['application/merge-patch+json', 'application/json; charset=utf-8']) {
          const response = await fetch(`${service.httpUrl}/compliance/dnc`, {
            method: 'POST',
            headers: { 'content-type': type },
            body: '{}',
          });
          expect(response.status).toBe(400);
          expect((await readJson(response)).code).toBe('VALIDATION.FAILED');
        }
      });

      it('should refuse a body over the size limit with 413, whether its length is declared or chunked', async () => {
        const huge = JSON.stringify({ phoneNumber: '+15550100', source: 'x'.repeat(JSON_BODY_LIMIT_BYTES) });
        const declared = await sendJson('POST', `${service.httpUrl}/compliance/dnc`, huge);
        const chunked = await fetch(`${service.httpUrl}/compliance/dnc`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: new Blob([huge]).stream(),
          duplex: 'half',
        } as RequestInit);
        for (const response of [declared, chunked]) {
          expect(response.status).toBe(413);
          expect(await readJson(response)).toEqual({
            statusCode: 413,
            code: 'HTTP.413',
            message: expect.stringMatching(/^\(body\) is larger than the \d+ bytes the service accepts$/),
            fields: [{ field: '(body)', message: expect.stringMatching(/^is larger than the \d+ bytes/) }],
          });
        }
      });

      it('should give one message per missing field for an empty body', async () => {
        for (const body of [undefined, '{}']) {
          const response = await fetch(`${service.httpUrl}/compliance/dnc`, {
            method: 'POST',
            ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
          });
          expect(response.status).toBe(400);
          expect((await readJson(response)).fields).toEqual([
            { field: 'phoneNumber', message: 'is required' },
            { field: 'source', message: 'is required' },
          ]);
        }
      });
    });
  },
);

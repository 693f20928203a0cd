import { itServesADocumentedApi, useIsolatedService } from '@platform/service-kit/testing';
import { analyticsServiceSpec } from '../src';

describe.each(['fastify', 'express'])('analytics service OpenAPI document on %s (real stack)', (adapter) => {
  const { service } = useIsolatedService(analyticsServiceSpec(), 'analytics', {
    schemaPrefix: 'analytics_openapi',
    overrides: { HTTP_ADAPTER: adapter },
  });
  itServesADocumentedApi(service, 14);

  it('should leave the cached routes cached: public for the edge, then a hit', async () => {
    const url = `${service.httpUrl}/analytics/performance/calls`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toMatch(/^public, .*s-maxage=\d+/);
    const second = await fetch(url);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('cache-control')).toMatch(/^public, /);
  });
});

import type { CacheRouteOptions, HttpCacheRequest } from './http-cache-options';
import { resolveHttpCacheSettings } from './http-cache-settings';
import { planRequest, type PlanContext } from './request-planner';
import { compileRoute } from './route-compiler';

const context: PlanContext = { settings: resolveHttpCacheSettings({}) };

const request = (day: string): HttpCacheRequest => ({
  method: 'GET',
  url: `/days/${day}`,
  headers: {},
  params: { day },
});

const route = (options: CacheRouteOptions) => compileRoute(options, context.settings, 'spec');

describe('planRequest()', () => {
  describe('ttlFor', () => {
    const days = route({
      public: true,
      key: 'days:{day}',
      ttl: { l1: '5m', l2: '1h', l3: '24h' },
      ttlFor: (req) => (req.params?.['day'] === 'today' ? { l1: '60s', l2: '60s', l3: '60s' } : undefined),
    });

    it("should give the request the TTLs ttlFor chose, in every layer and in the edge's s-maxage", () => {
      const plan = planRequest(request('today'), days, context);
      expect(plan?.ttl).toMatchObject({ l1Ms: 60_000, l2Ms: 60_000, l3Ms: 60_000 });
      expect(plan?.cacheControl).toContain('s-maxage=60,');
    });

    it("should keep the route's TTLs when ttlFor returns undefined", () => {
      const plan = planRequest(request('2020-01-01'), days, context);
      expect(plan?.ttl).toMatchObject({ l1Ms: 300_000, l2Ms: 3_600_000, l3Ms: 86_400_000 });
      expect(plan?.cacheControl).toContain('s-maxage=86400,');
    });

    it('should fall back layer by layer for the layers ttlFor leaves out', () => {
      const partial = route({
        public: true,
        ttl: { l1: '5m', l2: '1h', l3: '24h' },
        ttlFor: () => ({ l3: '10s' }),
      });
      expect(planRequest(request('x'), partial, context)?.ttl).toMatchObject({
        l1Ms: 300_000,
        l2Ms: 3_600_000,
        l3Ms: 10_000,
      });
    });

    it('should ask again on every request, not reuse the plan of the same URL when the answer changes', () => {
      let open = true;
      const hour = route({
        public: true,
        ttl: { l3: '24h' },
        ttlFor: () => (open ? { l2: '60s', l3: '60s' } : undefined),
      });
      expect(planRequest(request('d'), hour, context)?.ttl.l3Ms).toBe(60_000);
      open = false;
      expect(planRequest(request('d'), hour, context)?.ttl.l3Ms).toBe(86_400_000);
    });
  });
});

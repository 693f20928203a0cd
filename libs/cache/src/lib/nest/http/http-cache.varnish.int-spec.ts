import type { RedisConnection } from '../../redis-connection';
import { openRedis, uniquePrefix } from '../../../test-support/redis-targets';
import type { EdgePurger } from '../edge/edge-purger';
import { startVarnish, type VarnishHandle } from '../edge/testing/varnish-server';
import { VarnishPurger } from '../edge/varnish.purger';
import { HTTP_ADAPTERS, startHttpFixture, type HttpFixture } from './test-fixtures/http-app.fixture';

/** One GET through the edge; the body is parsed when it is JSON. */
async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, { headers });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
}

/** Varnish's `X-Varnish` holds one id on a miss or pass, two (request and cached object) on a hit. */
const varnishIds = (headers: Headers) => (headers.get('x-varnish') ?? '').split(' ').filter(Boolean).length;

// Every behaviour holds on both HTTP frameworks a service can run on.
describe.each(HTTP_ADAPTERS)('HTTP cache on %s', (adapter) => {
  describe('HTTP cache behind Varnish (repository VCL, xkey purge)', () => {
    let redis: RedisConnection;
    let app: HttpFixture;
    let varnish: VarnishHandle;
    let purger: VarnishPurger | undefined;

    beforeAll(async () => {
      redis = await openRedis('standalone');
    });

    afterAll(async () => {
      await redis.quit();
    });

    beforeEach(async () => {
      // The module needs its purger before Varnish (which needs the app's port) exists: delegate.
      const edge: EdgePurger = {
        name: 'varnish',
        purgeSurrogateKeys: (keys) => (purger as VarnishPurger).purgeSurrogateKeys(keys),
      };
      app = await startHttpFixture({ adapter, redis, prefix: uniquePrefix('http-varnish'), purger: edge });
      varnish = await startVarnish({ backendPort: Number(new URL(app.url).port) });
      purger = new VarnishPurger({ urls: [varnish.url] });
    });

    afterEach(async () => {
      await varnish?.stop();
      await app?.close();
    });

    it('should serve a repeated GET from Varnish without reaching the app', async () => {
      const first = await get(varnish.url, '/bids/42');
      expect(first.status).toBe(200);
      expect(first.headers.get('x-cache')).toBe('MISS'); // the app's own answer, passed through
      expect(app.calls.count('bid')).toBe(1);

      const second = await get(varnish.url, '/bids/42');
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(second.headers.get('x-cache-layer')).toBe('edge');
      expect(varnishIds(second.headers)).toBe(2);
      expect(second.headers.get('surrogate-key')).toBeNull(); // stripped for clients
      expect(app.calls.count('bid')).toBe(1);
    });

    it('should let the edge and the app keep each response for the TTL ttlFor chose for its request', async () => {
      const today = await get(varnish.url, '/days/today');
      const past = await get(varnish.url, '/days/2020-01-01');
      expect(today.headers.get('cache-control')).toContain('s-maxage=2,');
      expect(past.headers.get('cache-control')).toContain('s-maxage=3600,');
      expect((await get(varnish.url, '/days/today')).headers.get('x-cache-layer')).toBe('edge');
      expect((await get(varnish.url, '/days/2020-01-01')).headers.get('x-cache-layer')).toBe('edge');
      expect(app.calls.count('day:today')).toBe(1);

      // Past today's TTL and the edge's grace (stale-while-revalidate = the L3 TTL) in every layer.
      await new Promise((resolve) => setTimeout(resolve, 4500));
      const refetched = await get(varnish.url, '/days/today');
      expect(refetched.headers.get('x-cache')).toBe('MISS');
      expect(app.calls.count('day:today')).toBe(2);
      expect((await get(varnish.url, '/days/2020-01-01')).headers.get('x-cache-layer')).toBe('edge');
      expect(app.calls.count('day:2020-01-01')).toBe(1);
    });

    it('should purge the edge by surrogate key when the entity changes, so the next GET reaches the app', async () => {
      await get(varnish.url, '/bids/42');
      await get(varnish.url, '/bids/43');
      expect((await get(varnish.url, '/bids/42')).headers.get('x-cache-layer')).toBe('edge');

      app.calls.versions.set('42', 2);
      await app.invalidator.invalidateTags(['bid:42']);

      const after = await get(varnish.url, '/bids/42');
      expect(after.body).toMatchObject({ id: '42', version: 2 });
      expect(after.headers.get('x-cache')).toBe('MISS');
      expect(app.calls.count('bid')).toBe(3);
      // Only bid 42 was purged: 43 is still served by the edge.
      const other = await get(varnish.url, '/bids/43');
      expect(other.headers.get('x-cache-layer')).toBe('edge');
      expect(app.calls.count('bid')).toBe(3);
    });

    it('should purge every object carrying a shared tag', async () => {
      await get(varnish.url, '/bids/1');
      await get(varnish.url, '/bids/2');
      expect(await purger?.purge(['bids'])).toBe(2);
      expect((await get(varnish.url, '/bids/1')).headers.get('x-cache-layer')).not.toBe('edge');
      expect((await get(varnish.url, '/bids/2')).headers.get('x-cache-layer')).not.toBe('edge');
    });

    it('should never keep authenticated responses at the edge, nor leak them between users', async () => {
      const alice = await get(varnish.url, '/me', { authorization: 'Bearer alice' });
      const bob = await get(varnish.url, '/me', { authorization: 'Bearer bob' });
      const aliceAgain = await get(varnish.url, '/me', { authorization: 'Bearer alice' });
      const anonymous = await get(varnish.url, '/me');

      expect(alice.body).toMatchObject({ user: 'alice' });
      expect(bob.body).toMatchObject({ user: 'bob' });
      expect(aliceAgain.body).toMatchObject({ user: 'alice' });
      expect(anonymous.body).toMatchObject({ user: null });
      for (const response of [alice, bob, aliceAgain]) {
        expect(response.headers.get('x-cache-layer')).not.toBe('edge');
        expect(varnishIds(response.headers)).toBe(1);
      }
      // The second request of alice reached the app (its own per-user entry answered), not Varnish.
      expect(aliceAgain.headers.get('x-cache')).toBe('HIT');
      expect(aliceAgain.headers.get('x-cache-layer')).toBe('l1');
    });

    it('should never answer a caller the app identified in its own middleware (X-Api-Key) with the anonymous edge copy', async () => {
      const anonymous = await get(varnish.url, '/me');
      expect(anonymous.body).toMatchObject({ user: null });
      expect(anonymous.headers.get('cache-control')).toContain('public');
      expect(anonymous.headers.get('vary')).toBe('authorization, cookie, x-api-key');
      // The anonymous answer is at the edge: the next anonymous GET never reaches the app.
      expect((await get(varnish.url, '/me')).headers.get('x-cache-layer')).toBe('edge');

      const keyed = [];
      for (let i = 0; i < 30; i++) keyed.push(await get(varnish.url, '/me', { 'x-api-key': `key-${i % 3}` }));
      for (const [i, response] of keyed.entries()) {
        expect(response.body).toMatchObject({ user: `key:key-${i % 3}` });
        expect(response.headers.get('x-cache-layer')).not.toBe('edge');
        expect(response.headers.get('cache-control')).toBe('private, no-cache');
      }
      // Each key's repeat came from the app's own per-identity entry (L1), not from the edge.
      expect(keyed.slice(3).every((response) => response.headers.get('x-cache-layer') === 'l1')).toBe(true);
      expect(app.calls.count('me')).toBe(1 + 3);
    });

    it('should keep callers identified by a header named in http.identityHeaders off the anonymous edge copy', async () => {
      const own = await startHttpFixture({
        adapter,
        redis,
        prefix: uniquePrefix('http-varnish-own'),
        http: { identityHeaders: ['authorization', 'cookie', 'x-client-key'] },
      });
      const edge = await startVarnish({ backendPort: Number(new URL(own.url).port) });
      try {
        const anonymous = await get(edge.url, '/me');
        expect(anonymous.headers.get('vary')).toBe('authorization, cookie, x-client-key');
        expect((await get(edge.url, '/me')).headers.get('x-cache-layer')).toBe('edge');
        for (let i = 0; i < 10; i++) {
          const keyed = await get(edge.url, '/me', { 'x-client-key': `c-${i % 2}` });
          expect(keyed.body).toMatchObject({ user: `key:c-${i % 2}` });
          expect(keyed.headers.get('x-cache-layer')).not.toBe('edge');
        }
      } finally {
        await edge.stop();
        await own.close();
      }
    });

    it('should never keep a route that sends no cache headers: the next GET reaches the app and sees the change', async () => {
      const first = await get(varnish.url, '/plain');
      expect(first.body).toEqual({ served: 1 });
      expect(first.headers.get('cache-control')).toBeNull();

      const second = await get(varnish.url, '/plain');
      expect(second.body).toEqual({ served: 2 });
      expect(second.headers.get('x-cache-layer')).toBeNull();
      expect(varnishIds(second.headers)).toBe(1);
    });

    it('should not keep a 404: once the thing exists the edge answers 200', async () => {
      app.calls.failing = true;
      expect((await get(varnish.url, '/fail/1')).status).toBe(404);

      app.calls.failing = false;
      const after = await get(varnish.url, '/fail/1');
      expect(after.status).toBe(200);
      expect(after.body).toEqual({ id: '1' });
      expect(varnishIds(after.headers)).toBe(1);
      expect(app.calls.count('fail')).toBe(2);
    });

    it('should not keep a 500, even one the route marks public with an s-maxage and surrogate keys', async () => {
      const first = await get(varnish.url, '/broken');
      expect(first.status).toBe(500);
      expect(first.headers.get('cache-control')).toContain('s-maxage=60');

      const second = await get(varnish.url, '/broken');
      expect(second.status).toBe(500);
      // Answered by the app (its own L1), not by Varnish.
      expect(second.headers.get('x-cache-layer')).toBe('l1');
      expect(varnishIds(second.headers)).toBe(1);
    });

    it('should not keep a public s-maxage response that carries no surrogate keys, since no purge could reach it', async () => {
      const first = await get(varnish.url, '/unpurgeable');
      expect(first.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=60');

      const second = await get(varnish.url, '/unpurgeable');
      expect(second.body).toEqual({ served: 2 });
      expect(varnishIds(second.headers)).toBe(1);
    });

    it('should keep an error status the route asks for, and purge it by its surrogate keys', async () => {
      const first = await get(varnish.url, '/gone/1');
      expect(first.status).toBe(410);
      const second = await get(varnish.url, '/gone/1');
      expect(second).toMatchObject({ status: 410, body: first.body });
      expect(second.headers.get('x-cache-layer')).toBe('edge');
      expect(app.calls.count('gone')).toBe(1);

      await app.invalidator.invalidateTags(['gone:1']);
      const after = await get(varnish.url, '/gone/1');
      expect(after.status).toBe(410);
      expect(after.headers.get('x-cache')).toBe('MISS');
      expect(app.calls.count('gone')).toBe(2);
    });

    it('should not keep a response the app marks private, even without credentials on the request', async () => {
      await get(varnish.url, '/account');
      const second = await get(varnish.url, '/account');
      expect(second.headers.get('cache-control')).toBe('private, no-cache');
      expect(second.headers.get('x-cache-layer')).toBe('l1');
      expect(varnishIds(second.headers)).toBe(1);
    });
  });
});

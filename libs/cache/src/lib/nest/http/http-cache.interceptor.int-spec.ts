import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../../redis-connection';
import { REDIS_TARGETS, delay, openRedis, uniquePrefix, until } from '../../../test-support/redis-targets';
import type { HttpCacheOptions } from '../interfaces/http-cache-options.interface';
import {
  HTTP_ADAPTERS,
  RouteCalls,
  startHttpFixture,
  type HttpFixture,
} from './test-fixtures/http-app.fixture';

/** One request; the body is parsed when it is JSON. */
async function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const response = await fetch(base + path, { headers, method });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: type.startsWith('application/json') && text !== '' ? JSON.parse(text) : text,
  };
}

const fixtures: HttpFixture[] = [];
const track = (fixture: HttpFixture) => (fixtures.push(fixture), fixture);

afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
  jest.restoreAllMocks();
});

// Every behaviour holds on both HTTP frameworks a service can run on.
describe.each(HTTP_ADAPTERS)('HttpCacheInterceptor on %s', (adapter) => {
  describe.each(REDIS_TARGETS)('HttpCacheInterceptor over Redis (%s)', (target) => {
    let redis: RedisConnection;
    let prefix: string;
    const start = (http?: HttpCacheOptions, calls?: RouteCalls) =>
      startHttpFixture({ adapter, redis, prefix, http, calls }).then(track);

    beforeAll(async () => {
      redis = await openRedis(target);
    });

    afterAll(async () => {
      await redis.quit();
    });

    beforeEach(() => {
      prefix = uniquePrefix(`http-${target}`);
    });

    it('should answer a repeated GET from L1, and another instance from L2, without running the handler', async () => {
      const calls = new RouteCalls();
      const one = await start({}, calls);
      const two = await start({}, calls);

      const miss = await get(one.url, '/bids/42');
      expect(miss.status).toBe(200);
      expect(miss.headers.get('x-cache')).toBe('MISS');
      expect(miss.headers.get('x-cache-layer')).toBeNull();
      expect(miss.body).toEqual({ id: '42', version: 1, served: 1 });

      const l1 = await get(one.url, '/bids/42');
      expect(l1.headers.get('x-cache')).toBe('HIT');
      expect(l1.headers.get('x-cache-layer')).toBe('l1');
      expect(l1.text).toBe(miss.text);

      const l2 = await get(two.url, '/bids/42');
      expect(l2.headers.get('x-cache')).toBe('HIT');
      expect(l2.headers.get('x-cache-layer')).toBe('l2');
      expect(l2.text).toBe(miss.text);
      expect(calls.count('bid')).toBe(1);
    });

    it('should run the handler once for 1,000 concurrent GETs on a cold route, across two instances', async () => {
      const calls = new RouteCalls();
      const one = await start({}, calls);
      const two = await start({}, calls);
      const open = calls.hold();
      const responses = Promise.all(
        Array.from({ length: 1000 }, (_, i) => get(i % 2 === 0 ? one.url : two.url, '/slow/cold')),
      );
      // Let every request reach the interceptor while the one handler run is held.
      await until(() => calls.count('slow:cold') === 1, 5000, 'the first handler run');
      await delay(200);
      open();
      const all = await responses;

      expect(calls.count('slow:cold')).toBe(1);
      expect(new Set(all.map((r) => r.status))).toEqual(new Set([200]));
      expect(new Set(all.map((r) => r.text)).size).toBe(1);
      expect(all.filter((r) => r.headers.get('x-cache') === 'MISS')).toHaveLength(1);
    });

    it('should drop the cached response when its tag (the route key) is invalidated through the module', async () => {
      const app = await start();
      await get(app.url, '/bids/7');
      expect((await get(app.url, '/bids/7')).headers.get('x-cache')).toBe('HIT');

      app.calls.versions.set('7', 2);
      await app.invalidator.invalidateTags(['bid:7']);

      const after = await get(app.url, '/bids/7');
      expect(after.headers.get('x-cache')).toBe('MISS');
      expect(after.body).toMatchObject({ version: 2, served: 2 });
    });

    it('should drop the cached response when the entity key it shows is deleted through the module', async () => {
      const app = await start();
      await get(app.url, '/bids/8');
      expect((await get(app.url, '/bids/8')).headers.get('x-cache')).toBe('HIT');

      app.calls.versions.set('8', 2);
      await app.invalidator.delete('bid:8');

      const after = await get(app.url, '/bids/8');
      expect(after.headers.get('x-cache')).toBe('MISS');
      expect(after.body).toMatchObject({ version: 2 });
    });
  });

  describe('HttpCacheInterceptor (Redis standalone)', () => {
    let redis: RedisConnection;
    let prefix: string;
    const start = (http?: HttpCacheOptions, calls?: RouteCalls) =>
      startHttpFixture({ adapter, redis, prefix, http, calls }).then(track);

    beforeAll(async () => {
      redis = await openRedis('standalone');
    });

    afterAll(async () => {
      await redis.quit();
    });

    beforeEach(() => {
      prefix = uniquePrefix('http');
    });

    describe('per-user vary', () => {
      it("should never serve one user's response to another, nor to an anonymous caller", async () => {
        const app = await start();
        const alice = await get(app.url, '/me', { authorization: 'Bearer alice' });
        const bob = await get(app.url, '/me', { authorization: 'Bearer bob' });
        const anonymous = await get(app.url, '/me');
        const aliceAgain = await get(app.url, '/me', { authorization: 'Bearer alice' });
        const bobAgain = await get(app.url, '/me', { authorization: 'Bearer bob' });

        expect(alice.body).toMatchObject({ user: 'alice', secret: 'secret-of-alice' });
        expect(bob.body).toMatchObject({ user: 'bob', secret: 'secret-of-bob' });
        expect(anonymous.body).toMatchObject({ user: null, secret: 'secret-of-anonymous' });
        expect(aliceAgain.body).toEqual(alice.body);
        expect(aliceAgain.headers.get('x-cache')).toBe('HIT');
        expect(bobAgain.body).toEqual(bob.body);
        expect(bobAgain.headers.get('x-cache')).toBe('HIT');
        expect(app.calls.count('me')).toBe(3);
      });

      it('should mark authenticated responses private, with no s-maxage and no surrogate keys', async () => {
        const app = await start();
        const alice = await get(app.url, '/me', { authorization: 'Bearer alice' });
        expect(alice.headers.get('cache-control')).toBe('private, no-cache');
        expect(alice.headers.get('surrogate-key')).toBeNull();
        expect(alice.headers.get('vary')?.toLowerCase()).toContain('authorization');

        const anonymous = await get(app.url, '/me');
        expect(anonymous.headers.get('cache-control')).toBe(
          'public, max-age=0, s-maxage=60, stale-while-revalidate=60, stale-if-error=60',
        );
      });

      it('should share a route declared public between users, and let the edge keep it', async () => {
        const app = await start();
        const alice = await get(app.url, '/catalog', { authorization: 'Bearer alice' });
        const bob = await get(app.url, '/catalog', { authorization: 'Bearer bob' });
        expect(bob.headers.get('x-cache')).toBe('HIT');
        expect(bob.text).toBe(alice.text);
        expect(bob.headers.get('cache-control')).toMatch(/^public, .*s-maxage=60/);
        expect(app.calls.count('catalog')).toBe(1);
      });

      it('should vary by tenant and by the configured headers', async () => {
        const app = await start();
        const acmeEn = await get(app.url, '/report', { 'x-tenant-id': 'acme', 'accept-language': 'en' });
        const globexEn = await get(app.url, '/report', { 'x-tenant-id': 'globex', 'accept-language': 'en' });
        const acmeFr = await get(app.url, '/report', { 'x-tenant-id': 'acme', 'accept-language': 'fr' });
        const acmeEnAgain = await get(app.url, '/report', { 'x-tenant-id': 'acme', 'accept-language': 'en' });

        expect(acmeEn.body).toMatchObject({ tenant: 'acme', language: 'en' });
        expect(globexEn.body).toMatchObject({ tenant: 'globex', language: 'en' });
        expect(acmeFr.body).toMatchObject({ tenant: 'acme', language: 'fr' });
        expect(acmeEnAgain.headers.get('x-cache')).toBe('HIT');
        expect(acmeEnAgain.body).toEqual(acmeEn.body);
        expect(app.calls.count('report')).toBe(3);
        expect(acmeEn.headers.get('vary')?.toLowerCase().split(', ')).toEqual(
          expect.arrayContaining(['accept-language', 'x-tenant-id', 'authorization']),
        );
      });
    });

    describe('keys', () => {
      it('should treat reordered, empty and tracking query parameters as the same request', async () => {
        const app = await start();
        const first = await get(app.url, '/search?b=2&a=1&a=0');
        const same = await get(app.url, '/search?utm_source=mail&a=1&empty=&a=0&b=2&fbclid=xyz');
        const other = await get(app.url, '/search?a=0&a=1&b=2');

        expect(same.headers.get('x-cache')).toBe('HIT');
        expect(same.text).toBe(first.text);
        expect(other.headers.get('x-cache')).toBe('MISS');
        expect(app.calls.count('search')).toBe(2);
      });

      it('should serve a HEAD from the GET entry', async () => {
        const app = await start();
        await get(app.url, '/bids/5');
        const head = await get(app.url, '/bids/5', {}, 'HEAD');
        expect(head.status).toBe(200);
        expect(head.headers.get('x-cache')).toBe('HIT');
        expect(head.text).toBe('');
        expect(app.calls.count('bid')).toBe(1);
      });
    });

    describe('ETag', () => {
      it('should answer a matching If-None-Match with 304 and no body, on a hit without running the handler', async () => {
        const app = await start();
        const first = await get(app.url, '/bids/9');
        const etag = first.headers.get('etag') as string;
        expect(etag).toMatch(/^"[\w-]{22}"$/);

        const notModified = await get(app.url, '/bids/9', { 'if-none-match': etag });
        expect(notModified.status).toBe(304);
        expect(notModified.text).toBe('');
        expect(notModified.headers.get('etag')).toBe(etag);
        expect(app.calls.count('bid')).toBe(1);

        const changed = await get(app.url, '/bids/9', { 'if-none-match': '"something-else"' });
        expect(changed.status).toBe(200);
        expect(changed.text).toBe(first.text);
      });

      it('should give the same ETag for the same bytes on every instance and layer', async () => {
        const calls = new RouteCalls();
        const one = await start({}, calls);
        const two = await start({}, calls);
        const tags = [
          (await get(one.url, '/bids/3')).headers.get('etag'),
          (await get(one.url, '/bids/3')).headers.get('etag'),
          (await get(two.url, '/bids/3')).headers.get('etag'),
        ];
        expect(new Set(tags).size).toBe(1);
      });
    });

    describe('what is not cached', () => {
      it('should not cache a handler error, and let it reach the client unchanged', async () => {
        const app = await start();
        app.calls.failing = true;
        const first = await get(app.url, '/fail/1');
        const second = await get(app.url, '/fail/1');
        expect(first.status).toBe(404);
        expect(first.body).toMatchObject({ message: 'no thing 1' });
        expect(second.status).toBe(404);
        expect(app.calls.count('fail')).toBe(2);

        app.calls.failing = false;
        expect((await get(app.url, '/fail/1')).status).toBe(200);
        expect((await get(app.url, '/fail/1')).headers.get('x-cache')).toBe('HIT');
      });

      it('should not cache statuses outside `statuses` (201 here), unless configured', async () => {
        const app = await start();
        await get(app.url, '/created');
        const again = await get(app.url, '/created');
        expect(again.status).toBe(201);
        expect(again.headers.get('x-cache')).toBeNull();
        expect(app.calls.count('created')).toBe(2);

        const lenient = await start({ statuses: [200, 201] });
        await get(lenient.url, '/created');
        const hit = await get(lenient.url, '/created');
        expect(hit.status).toBe(201);
        expect(hit.headers.get('x-cache')).toBe('HIT');
      });

      it('should leave raw @Res() routes alone', async () => {
        const app = await start();
        expect((await get(app.url, '/raw')).body).toEqual({ raw: true, served: 1 });
        expect((await get(app.url, '/raw')).body).toEqual({ raw: true, served: 2 });
      });

      it("should cache only decorated routes by default, every route but @NoCache ones with routes: 'all'", async () => {
        const decorated = await start();
        await get(decorated.url, '/plain');
        expect((await get(decorated.url, '/plain')).headers.get('x-cache')).toBeNull();

        const all = await start({ routes: 'all' });
        await get(all.url, '/plain');
        expect((await get(all.url, '/plain')).headers.get('x-cache')).toBe('HIT');
        await get(all.url, '/never');
        expect((await get(all.url, '/never')).body).toEqual({ served: 2 });
      });

      it('should keep text responses byte for byte with their content type', async () => {
        const app = await start();
        const miss = await get(app.url, '/text');
        const hit = await get(app.url, '/text');
        expect(hit.headers.get('x-cache')).toBe('HIT');
        expect(hit.text).toBe('plain text #1');
        expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
        expect(hit.headers.get('content-type')).toMatch(/^text\/html/);
      });
    });

    describe('stale answers', () => {
      it('should serve the last response as STALE when the handler fails past the TTL (grace)', async () => {
        const app = await start();
        const fresh = await get(app.url, '/flaky');
        await delay(120); // past the 80 ms TTL, within the 1 min grace
        app.calls.failing = true;
        const stale = await get(app.url, '/flaky');
        expect(stale.status).toBe(200);
        expect(stale.headers.get('x-cache')).toBe('STALE');
        expect(stale.text).toBe(fresh.text);
      });

      it('should serve STALE past the soft TTL and refresh once in the background', async () => {
        const app = await start();
        await get(app.url, '/fresh');
        await delay(100); // past the 60 ms soft TTL
        const stale = await get(app.url, '/fresh');
        expect(stale.headers.get('x-cache')).toBe('STALE');
        expect(stale.body).toEqual({ served: 1 });

        await until(() => app.calls.count('fresh') === 2, 5000, 'the background refresh');
        const refreshed = await until(async () => {
          const response = await get(app.url, '/fresh');
          return (response.body as { served: number }).served === 2 ? response : undefined;
        });
        expect(refreshed?.headers.get('x-cache')).toBe('HIT');
        expect(app.calls.count('fresh')).toBe(2);
      });
    });

    describe('cache failures', () => {
      it('should answer from the handler, and log, when the cache fails', async () => {
        const warn = jest.spyOn(Logger.prototype, 'warn');
        const app = await start();
        await get(app.url, '/bids/1');
        await app.cache.disconnect(); // every cache call now rejects with E_CACHE_CLOSED

        const answered = await get(app.url, '/bids/1');
        expect(answered.status).toBe(200);
        expect(answered.body).toMatchObject({ id: '1', served: 2 });
        expect(warn).toHaveBeenCalledWith(expect.stringContaining('cache failed for GET /bids/1'));
        expect(warn).toHaveBeenCalledWith(expect.stringContaining('CacheClosedError'));
      });

      it('should answer from the handler when Redis is unreachable', async () => {
        const { createRedisConnection } = await import('../../redis-connection');
        const dead = createRedisConnection({
          mode: 'standalone',
          url: 'redis://127.0.0.1:1',
          options: { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null },
        });
        const app = track(await startHttpFixture({ adapter, redis: dead, prefix, connectTimeout: '50ms' }));
        const first = await get(app.url, '/bids/2');
        const second = await get(app.url, '/bids/2');
        expect(first.status).toBe(200);
        expect(second.status).toBe(200);
        expect(second.body).toMatchObject({ id: '2' });
        dead.disconnect();
      });

      it("should answer with the handler's body when the cache gives up on it (hard timeout) while it still runs", async () => {
        const calls = new RouteCalls();
        const app = track(await startHttpFixture({ adapter, redis, prefix, calls, hardTimeout: '50ms' }));
        const open = calls.hold();
        const pending = get(app.url, '/slow/t1');
        await until(() => calls.count('slow:t1') === 1);
        await delay(200); // past the hard timeout: the engine has rejected while the handler waits at the gate
        open();

        const answered = await pending;
        expect(answered.status).toBe(200);
        expect(answered.body).toMatchObject({ id: 't1', served: 1 });
      });
    });
  });
});

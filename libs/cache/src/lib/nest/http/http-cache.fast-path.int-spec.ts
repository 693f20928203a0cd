import type { Registry } from 'prom-client';
import type { RedisConnection } from '../../redis-connection';
import { CACHE_METRICS_REGISTRY } from '../cache.constants';
import { openRedis, uniquePrefix } from '../../../test-support/redis-targets';
import { EntryReads, RouteCalls, startHttpFixture, type HttpFixture } from './test-fixtures/http-app.fixture';

/** One request: status, headers (without the per-response ones) and body text. */
async function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const response = await fetch(base + path, { headers, method });
  const text = await response.text();
  const kept: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'keep-alive' && name !== 'connection') kept[name] = value;
  });
  return { status: response.status, headers: kept, text };
}

const fixtures: HttpFixture[] = [];
const track = (fixture: HttpFixture) => (fixtures.push(fixture), fixture);

describe('HttpCacheFastPath (Fastify, real Redis)', () => {
  let redis: RedisConnection;

  beforeAll(async () => {
    redis = await openRedis('standalone');
  });

  afterAll(async () => {
    await redis.quit();
  });

  afterEach(async () => {
    await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
  });

  /** The same app twice: with the early path, and as Nest's router alone answers (each its own keys). */
  async function pair(): Promise<{ early: HttpFixture; nest: HttpFixture }> {
    const start = async (adapter: 'fastify+fast-path' | 'fastify', name: string) =>
      track(await startHttpFixture({ adapter, redis, prefix: uniquePrefix(name), calls: new RouteCalls() }));
    return {
      early: await start('fastify+fast-path', 'fast-early'),
      nest: await start('fastify', 'fast-nest'),
    };
  }

  it("should answer a public route's fresh hit before Nest's router, exactly as Nest's router answers it", async () => {
    const { early, nest } = await pair();
    for (const path of ['/catalog', '/notice', '/days/monday']) {
      expect((await get(early.url, path)).headers['x-cache']).toBe('MISS');
      await get(nest.url, path);
      const answeredBefore = early.fastPath.answered;
      const fromEarly = await get(early.url, path);
      const fromNest = await get(nest.url, path);
      expect(early.fastPath.answered).toBe(answeredBefore + 1);
      expect(nest.fastPath.answered).toBe(0);
      expect(fromEarly).toEqual(fromNest);
      expect(fromEarly.headers['x-cache']).toBe('HIT');
      expect(fromEarly.headers['x-cache-layer']).toBe('l1');
    }
    // Status and header of the route's own decorators (@HttpCode(203), @Header) survive the early answer.
    const notice = await get(early.url, '/notice');
    expect(notice.status).toBe(203);
    expect(notice.headers['x-notice']).toBe('fixture');
    expect(early.calls.count('notice')).toBe(1);
    // Counted for /metrics, beside the engine's hit counts.
    const registry = early.app.get<Registry>(CACHE_METRICS_REGISTRY);
    const counted = (await registry.getSingleMetric('cache_http_early_answers_total')?.get())?.values[0]
      ?.value;
    expect(counted).toBe(early.fastPath.answered);
    expect(counted).toBe(4);
  });

  it('should answer a matching If-None-Match with an empty 304, and a HEAD without a body, as Nest does', async () => {
    const { early, nest } = await pair();
    const first = await get(early.url, '/catalog');
    await get(nest.url, '/catalog');
    const etag = first.headers['etag'];
    expect(etag).toMatch(/^"/);
    const answeredBefore = early.fastPath.answered;
    const notModified = await get(early.url, '/catalog', { 'if-none-match': etag });
    const nestEtag = (await get(nest.url, '/catalog')).headers['etag'];
    const nestNotModified = await get(nest.url, '/catalog', { 'if-none-match': nestEtag });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect(notModified).toEqual({ ...nestNotModified, headers: { ...nestNotModified.headers, etag } });

    const head = await get(early.url, '/catalog', {}, 'HEAD');
    const nestHead = await get(nest.url, '/catalog', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head).toEqual({ ...nestHead, headers: { ...nestHead.headers, etag } });
    expect(early.fastPath.answered).toBeGreaterThanOrEqual(answeredBefore + 1);
    expect(early.calls.count('catalog')).toBe(1);
  });

  it('should run the global guards once per request and answer their refusals through Nest’s exception handling', async () => {
    const { early, nest } = await pair();
    await get(early.url, '/catalog');
    await get(nest.url, '/catalog');
    for (const deny of ['throw', 'false']) {
      const guardRunsBefore = early.calls.count('guard');
      const answeredBefore = early.fastPath.answered;
      const refused = await get(early.url, '/catalog', { 'x-deny': deny });
      const nestRefused = await get(nest.url, '/catalog', { 'x-deny': deny });
      expect(refused.status).toBe(deny === 'throw' ? 401 : 403);
      expect(refused).toEqual(nestRefused);
      expect(early.calls.count('guard')).toBe(guardRunsBefore + 1);
      expect(early.fastPath.answered).toBe(answeredBefore);
    }
    // A guard that answers later: the request is still answered early, after it.
    const guardRunsBefore = early.calls.count('guard');
    const answeredBefore = early.fastPath.answered;
    const allowed = await get(early.url, '/catalog', { 'x-deny': 'async' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['x-cache']).toBe('HIT');
    expect(early.fastPath.answered).toBe(answeredBefore + 1);
    expect(early.calls.count('guard')).toBe(guardRunsBefore + 1);
    expect(early.calls.count('catalog')).toBe(1);
  });

  it("should leave to Nest's router the routes with guards of their own, per-caller routes, misses and evicted entries", async () => {
    const { early } = await pair();
    for (let i = 0; i < 3; i++) await get(early.url, '/guarded');
    for (let i = 0; i < 3; i++) await get(early.url, '/me', { authorization: 'Bearer alice' });
    expect(early.fastPath.answered).toBe(0);
    expect(early.calls.count('own-guard')).toBe(3);
    expect(early.calls.count('guarded')).toBe(1);
    expect(early.calls.count('me')).toBe(1);

    await get(early.url, '/notice');
    expect((await get(early.url, '/notice')).headers['x-cache']).toBe('HIT');
    const answered = early.fastPath.answered;
    await early.invalidator.invalidate({ tags: ['notice'] });
    const afterEviction = await get(early.url, '/notice');
    expect(afterEviction.headers['x-cache']).toBe('MISS');
    expect(early.calls.count('notice')).toBe(2);
    expect(early.fastPath.answered).toBe(answered);
  });

  it("should answer a @CacheEntryRoute's fresh entry before the handler, as the handler would, and note the read", async () => {
    const { early, nest } = await pair();
    const miss = await get(early.url, '/entries/a');
    await get(nest.url, '/entries/a');
    const answeredBefore = early.fastPath.answered;
    const fromEarly = await get(early.url, '/entries/a');
    const fromNest = await get(nest.url, '/entries/a');
    expect(early.fastPath.answered).toBe(answeredBefore + 1);
    expect(fromEarly).toEqual(fromNest);
    expect(fromEarly).toEqual(miss);
    expect(JSON.parse(fromEarly.text)).toEqual({ id: 'a', served: 1 });
    expect(early.calls.count('entry')).toBe(1);
    // The handler noted the first read; the early answer noted the second, as the handler would have.
    expect(early.app.get(EntryReads).notes).toEqual(['entry:a', 'entry:a']);

    // A refused request notes nothing and runs no handler.
    const refused = await get(early.url, '/entries/a', { 'x-deny': 'throw' });
    expect(refused).toEqual(await get(nest.url, '/entries/a', { 'x-deny': 'throw' }));
    expect(early.app.get(EntryReads).notes).toHaveLength(2);

    // After an eviction the handler answers (and fills) again.
    await early.cache.namespace('entry').delete('a');
    expect(JSON.parse((await get(early.url, '/entries/a')).text)).toEqual({ id: 'a', served: 2 });
    expect(early.fastPath.answered).toBe(answeredBefore + 1);
  });

  it('should leave a cached null (a 404) to the handler', async () => {
    const { early, nest } = await pair();
    for (let i = 0; i < 3; i++) {
      const fromEarly = await get(early.url, '/entries/none');
      expect(fromEarly.status).toBe(404);
      expect(fromEarly).toEqual(await get(nest.url, '/entries/none'));
    }
    expect(early.fastPath.answered).toBe(0);
  });

  it('should not install on Express', async () => {
    const express = track(
      await startHttpFixture({ adapter: 'express', redis, prefix: uniquePrefix('fast-express') }),
    );
    const { installHttpCacheFastPath } = await import('./http-cache.fast-path');
    expect(installHttpCacheFastPath(express.app)).toBe(false);
    await get(express.url, '/catalog');
    expect((await get(express.url, '/catalog')).headers['x-cache']).toBe('HIT');
    expect(express.fastPath.installed).toBe(false);
    expect(express.fastPath.answered).toBe(0);
  });
});

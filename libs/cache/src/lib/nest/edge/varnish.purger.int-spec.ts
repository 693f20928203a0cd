import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EdgePurgeError } from './edge-purge.error';
import { startVarnish, type VarnishHandle } from './testing/varnish-server';
import { VarnishPurger } from './varnish.purger';

/** A backend that tags each path's response with the surrogate keys given in its query. */
function startBackend(): Promise<{ server: Server; port: number; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    response.setHeader('Cache-Control', 'public, max-age=0, s-maxage=300');
    response.setHeader('Surrogate-Key', url.searchParams.get('keys') ?? '');
    response.end(`${url.pathname} #${hits.get(url.pathname)}`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, hits }),
    ),
  );
}

describe(VarnishPurger, () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let varnish: VarnishHandle;

  beforeAll(async () => {
    backend = await startBackend();
    varnish = await startVarnish({ backendPort: backend.port });
  });

  afterAll(async () => {
    await varnish?.stop();
    await new Promise((resolve) => backend?.server.close(resolve));
  });

  /** GETs through Varnish; true when Varnish answered from its cache. */
  const edgeHit = async (path: string) => {
    const response = await fetch(varnish.url + path);
    await response.text();
    return response.headers.get('x-cache-layer') === 'edge';
  };

  describe('purge()', () => {
    it('should purge exactly the objects carrying a key, including keys that need encoding', async () => {
      const tagged = `/a?keys=${encodeURIComponent('bid:1 shared caf%C3%A9')}`;
      const other = `/b?keys=${encodeURIComponent('bid:2 shared')}`;
      await edgeHit(tagged);
      await edgeHit(other);
      expect(await edgeHit(tagged)).toBe(true);

      expect(await new VarnishPurger({ urls: [varnish.url] }).purge(['café'])).toBe(1);
      expect(await edgeHit(tagged)).toBe(false);
      expect(await edgeHit(other)).toBe(true);
    });

    it('should send many keys in several requests when they exceed the header budget', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `bulk:${i}:${'k'.repeat(20)}`);
      await edgeHit(`/bulk-first?keys=${keys[0]}`);
      await edgeHit(`/bulk-last?keys=${keys[39]}`);
      const requests: string[] = [];
      const counting: typeof fetch = (input, init) => {
        requests.push(String((init?.headers as Record<string, string>)['xkey-purge']));
        return fetch(input, init);
      };
      const purged = await new VarnishPurger({
        urls: [varnish.url],
        maxHeaderBytes: 200,
        fetch: counting,
      }).purge(keys);
      expect(purged).toBe(2);
      expect(requests.length).toBeGreaterThan(1);
      expect(requests.every((value) => value.length <= 200)).toBe(true);
      expect(requests.join(' ').split(' ')).toEqual(keys);
    });

    it('should reject with EdgePurgeError naming an unreachable instance, after purging the others', async () => {
      await edgeHit('/c?keys=reach');
      const purger = new VarnishPurger({ urls: ['http://127.0.0.1:1', varnish.url], timeout: '1s' });
      const error = await purger.purgeSurrogateKeys(['reach']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EdgePurgeError);
      expect((error as Error).message).toContain('http://127.0.0.1:1/ unreachable');
      expect(await edgeHit('/c?keys=reach')).toBe(false);
    });

    it('should reject when Varnish refuses the purge', async () => {
      // A PURGE without a key header is a 400 from the VCL: what a misconfigured edge would answer.
      const refusing: typeof fetch = (input, init) => fetch(input, { ...init, headers: {} });
      const error = await new VarnishPurger({ urls: [varnish.url], fetch: refusing })
        .purge(['x'])
        .catch((e) => e);
      expect(error).toBeInstanceOf(EdgePurgeError);
      expect(error.message).toContain('answered 400');
    });
  });

  describe('constructor', () => {
    it.each([
      [{ urls: [] }],
      [{ urls: ['not a url'] }],
      [{ urls: ['ftp://x'] }],
      [{ urls: ['http://x'], maxHeaderBytes: 1 }],
    ])('should refuse %j', (options) => {
      expect(() => new VarnishPurger(options as never)).toThrow(/VarnishPurger/);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventually, freePort, JsonBody, stackEnv } from '@platform/service-kit/testing';
import { startVarnish, type VarnishHandle } from '@platform/cache/testing';
import { ServiceProcess, useIsolatedServices } from './service-process';

/**
 * The L3 edge on the real stack: analytics' revenue route (`@CacheRoute`, 24 h at the edge, surrogate key
 * `analytics:revenue:{buyerID}`) served through a throwaway varnishd running the repository VCL, and a
 * buyer's routing change through routing's REST API purging it there: routing publishes
 * `routing.buyer.changed.v1`, analytics' invalidation map drops the buyer's revenue tag in L1/L2 and
 * `VarnishPurger` (`EDGE_VARNISH_URLS`) purges Varnish by that tag, so the next read through Varnish reaches
 * the app and shows the new criteria.
 *
 * Own database schemas, cache prefixes and consumer groups, as in the cross-service suite.
 */
describe('edge purge by surrogate key (real processes, Varnish, Kafka, Postgres, Redis)', () => {
  const services = useIsolatedServices('edge');
  const { run } = services;
  const analyticsSchema = services.schemaOf('analytics');
  let routing: ServiceProcess;
  let varnish: VarnishHandle | undefined;
  /** A second varnishd, in front of routing, whose routes send no cache headers. */
  let routingEdge: VarnishHandle | undefined;
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await db.connect();
    routing = await services.start('routing');
    routingEdge = await startVarnish({
      backendPort: Number(new URL(routing.httpUrl).port),
      listener: 'routing',
    });
    // Varnish needs the app's port and the app needs Varnish's URL: pick the app's port first.
    const analyticsPort = await freePort();
    varnish = await startVarnish({ backendPort: analyticsPort, listener: 'analytics' });
    await services.start('analytics', {
      HTTP_PORT: String(analyticsPort),
      ROUTING_GRPC_ADDRESS: routing.grpcAddress,
      EDGE_VARNISH_URLS: varnish.url,
    });
  }, 240000);

  afterAll(async () => {
    await varnish?.stop();
    await routingEdge?.stop();
    await db?.end();
  }, 60000);

  const put = async (url: string, body: unknown): Promise<void> => {
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`PUT ${url}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  /** GET through Varnish: the body and the headers that say who answered. */
  const viaEdge = async (path: string) => {
    const response = await fetch(`${varnish?.url}${path}`);
    expect(response.status).toBe(200);
    return {
      body: (await response.json()) as JsonBody,
      cache: response.headers.get('x-cache'),
      layer: response.headers.get('x-cache-layer'),
      cacheControl: response.headers.get('cache-control'),
      surrogateKey: response.headers.get('surrogate-key'),
    };
  };
  /** Waits until analytics' consumer group has handled `count` events about `entityId`. */
  const consumed = (entityId: string, count = 1) =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT 1 FROM "${analyticsSchema}".processed_events WHERE entity_id = $1`,
        [entityId],
      );
      return rows.length >= count;
    }, 40000);

  /**
   * How long the purge may take to show. Far under the route's L3 TTL (24 h): a response that is not purged
   * stays at the edge and fails the test.
   */
  const PURGED_WITHIN_MS = 20000;

  it('should serve the revenue view from Varnish and purge it by surrogate key when routing changes the buyer', async () => {
    const buyerId = `buyer-${run}-${randomUUID().slice(0, 8)}`;
    const criteria = { states: ['CA'], minBidCents: 100, maxConcurrentCalls: 5, priority: 1 };
    await put(`${routing.httpUrl}/routing/buyers/${buyerId}`, criteria);
    // The creation's own event first, so the purge below can only come from the change.
    await consumed(buyerId);
    const path = `/analytics/revenue/${buyerId}?period=2025-03`;

    const first = await viaEdge(path);
    expect(first.body).toMatchObject({ buyerId, period: '2025-03', routing: { priority: 1 } });
    expect(first.cache).toBe('MISS'); // the app ran the handler
    expect(first.cacheControl).toContain('s-maxage=86400');
    expect(first.surrogateKey).toBeNull(); // for the edge only: the VCL strips it

    // The second read never reaches the app: Varnish answers from its own cache.
    const second = await viaEdge(path);
    expect(second).toMatchObject({ cache: 'HIT', layer: 'edge', body: first.body });

    await put(`${routing.httpUrl}/routing/buyers/${buyerId}`, { ...criteria, priority: 7 });
    const fresh = await eventually(async () => {
      const current = await viaEdge(path);
      return current.body.routing.priority === 7 && current;
    }, PURGED_WITHIN_MS);
    // Purged at the edge and dropped in L1/L2: the app built the view again.
    expect(fresh).toMatchObject({ cache: 'MISS', body: { buyerId, routing: { priority: 7 } } });

    // The new response is at the edge again.
    expect(await viaEdge(path)).toMatchObject({ cache: 'HIT', layer: 'edge', body: fresh.body });
  }, 120000);

  it("should never keep routing's buyer at the edge: not its 404 before the PUT that creates it, nor an old version", async () => {
    const buyerId = `buyer-${run}-${randomUUID().slice(0, 8)}`;
    const path = `/routing/buyers/${buyerId}`;
    /** GET through the routing listener: status, version and who answered. */
    const viaRoutingEdge = async () => {
      const response = await fetch(`${routingEdge?.url}${path}`);
      const body = (await response.json()) as JsonBody;
      return {
        status: response.status,
        version: body.version as number | undefined,
        layer: response.headers.get('x-cache-layer'),
        varnishIds: (response.headers.get('x-varnish') ?? '').split(' ').filter(Boolean).length,
      };
    };
    /** Reads through the edge until the app's answer shows, far within Varnish's default TTL (120 s). */
    const shows = (status: number, version?: number) =>
      eventually(async () => {
        const current = await viaRoutingEdge();
        return current.status === status && current.version === version && current;
      }, 20000);

    expect((await viaRoutingEdge()).status).toBe(404);
    // Also told to every other shared cache: routes without `@CacheRoute` answer `no-store`, errors included.
    const direct = await fetch(`${routing.httpUrl}${path}`);
    await direct.arrayBuffer();
    expect(direct.status).toBe(404);
    expect(direct.headers.get('cache-control')).toBe('no-store');

    const criteria = { states: ['TX'], minBidCents: 100, maxConcurrentCalls: 5, priority: 1 };
    await put(`${routing.httpUrl}${path}`, criteria);
    const created = await shows(200, 1);
    expect(created).toMatchObject({ layer: null, varnishIds: 1 });
    // Read again: still not an edge hit.
    expect(await viaRoutingEdge()).toMatchObject({ status: 200, version: 1, layer: null, varnishIds: 1 });

    await put(`${routing.httpUrl}${path}`, { ...criteria, priority: 7 });
    expect(await shows(200, 2)).toMatchObject({ layer: null, varnishIds: 1 });
    const fresh = await fetch(`${routing.httpUrl}${path}`);
    await fresh.arrayBuffer();
    expect(fresh.headers.get('cache-control')).toBe('no-store');
  }, 120000);
});

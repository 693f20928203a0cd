import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventually, stackEnv } from '@platform/service-kit/testing';
import { ServiceProcess, spawnService, startService, stopService } from './service-process';

const SERVICES = ['bid', 'routing', 'compliance', 'analytics'] as const;

describe('the platform, four services as real processes on the real stack', () => {
  const running = new Map<string, ServiceProcess>();
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await db.connect();
    // Two at a time: this machine has two cores.
    for (let i = 0; i < SERVICES.length; i += 2) {
      const started = await Promise.all(SERVICES.slice(i, i + 2).map((name) => startService(name)));
      for (const service of started) running.set(service.name, service);
    }
  }, 180000);

  afterAll(async () => {
    await Promise.all([...running.values()].map(stopService));
    await db?.end();
  }, 60000);

  const service = (name: string) => {
    const found = running.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };

  it('should boot every service and report it ready, with each dependency checked', async () => {
    for (const name of SERVICES) {
      expect((await fetch(`${service(name).httpUrl}/health/ready`)).status).toBe(200);
      const response = await fetch(`${service(name).httpUrl}/health`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { status: string; details: Record<string, unknown> };
      expect(body.status).toBe('ok');
      expect(Object.keys(body.details)).toEqual(expect.arrayContaining(['postgres', 'redis', 'kafka']));
    }
  });

  it('should deliver a bid change produced by bid to analytics over Kafka', async () => {
    const response = await fetch(`${service('bid').httpUrl}/bids`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callId: `call-${randomUUID()}`, buyerId: 'buyer-e2e', amountCents: 990 }),
    });
    expect(response.status).toBe(201);
    const bid = (await response.json()) as { id: string };

    const row = await eventually(async () => {
      const result = await db.query(`SELECT topic FROM analytics.processed_events WHERE entity_id = $1`, [
        bid.id,
      ]);
      return result.rows[0];
    }, 30000);
    expect(row.topic).toBe('bid.bid.changed.v1');
  });

  it('should deliver a buyer routing change produced by routing to bid over Kafka', async () => {
    const buyerId = `buyer-${randomUUID().slice(0, 8)}`;
    const response = await fetch(`${service('routing').httpUrl}/routing/buyers/${buyerId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ states: ['CA', 'TX'], minBidCents: 100, maxConcurrentCalls: 3 }),
    });
    expect(response.status).toBeLessThan(300);

    const row = await eventually(async () => {
      const result = await db.query(`SELECT topic FROM bid.processed_events WHERE entity_id = $1`, [buyerId]);
      return result.rows[0];
    }, 30000);
    expect(row.topic).toBe('routing.buyer.changed.v1');
  });

  it('should refuse to start with a missing or malformed variable, naming it', async () => {
    const env = { ...stackEnv(), HTTP_PORT: 'not-a-port' };
    delete (env as Record<string, string | undefined>)['KAFKA_BROKERS'];
    const child = spawnService('compliance', env);
    const { code } = await child.exited;
    expect(code).toBe(78);
    expect(child.output()).toContain('KAFKA_BROKERS: is required');
    expect(child.output()).toContain('HTTP_PORT: must be a number');
  });

  it('should turn readiness red on SIGTERM while still serving, then exit cleanly', async () => {
    const analytics = service('analytics');
    analytics.child.kill('SIGTERM');

    // During SHUTDOWN_DRAIN_DELAY_MS the load balancer is told to stop sending traffic, and traffic
    // that still arrives is served.
    const draining = await eventually(
      async () => {
        const response = await fetch(`${analytics.httpUrl}/health/ready`);
        return response.status === 503
          ? ((await response.json()) as { details: Record<string, unknown> })
          : false;
      },
      5000,
      50,
    );
    expect(draining.details['lifecycle']).toEqual({ status: 'down', state: 'draining' });
    expect((await fetch(`${analytics.httpUrl}/health/live`)).status).toBe(200);

    const { code, signal } = await analytics.exited;
    running.delete('analytics');
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(analytics.output()).not.toContain('Graceful shutdown exceeded');
    await expect(fetch(`${analytics.httpUrl}/health/live`)).rejects.toThrow();
  }, 30000);
});

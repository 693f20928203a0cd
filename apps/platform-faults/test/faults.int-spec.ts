import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import {
  FaultLedger,
  isStaleAfterBound,
  isWriteLost,
  type InvalidationPath,
  type PathOutage,
} from '../src/fault-ledger';
import { faultTable, requestFigures, type FaultFigures } from '../src/fault-report';
import {
  LOG_DIR,
  startFaultInfra,
  startFaultServices,
  stopFaultInfra,
  stopFaultServices,
  type FaultInfra,
  type FaultService,
  type FaultServices,
  type L2Mode,
} from './fault-system';
import { bidEntity, buyerCriteria, buyerEntity, LoadDriver, request, type LoadWorld } from './load-driver';

/**
 * The fault suite (`npm run test:faults`): under a steady load of mixed reads and writes on the real services
 * (routing, and two bid instances sharing L2, the invalidation bus and a consumer group), it breaks one server
 * at a time: Redis killed and restarted, Redis slowed with DEBUG SLEEP, Kafka stopped 60 s, Postgres stopped
 * 30 s, a Redis Cluster master killed (its replica promoted). Every server is a throwaway one on loopback,
 * never the shared stack's. Per fault it prints and writes (`tmp/faults/faults.md`) the requests, the failed
 * ones, the designed 503s (`*.UNAVAILABLE` with `Retry-After`, only while Postgres is down), p99 during the
 * fault, the time to recover, lost writes, lost invalidations and stale reads after the published bound, and
 * asserts the counts (never the timings): a cache or Kafka failure never fails a request the database could
 * have answered, no acknowledged write is lost, every invalidation lands, and no read is stale past its bound.
 */

const workspaceRoot = join(__dirname, '../../..');

/**
 * Published staleness bounds, from the acknowledgement of a change: bid's `BID_STALE_BOUND_MS` (5 s, every
 * instance and layer; libs/bid/feature/README.md) and routing's 150 ms (libs/routing/feature/README.md). A
 * routing change reaches bid's copies only through Kafka; no tighter bound is published for that hop, so bid's
 * own bound is held to it, counted from the end of an outage of that path (Kafka or Postgres, which holds the
 * outbox and the inbox) for changes made while it was down.
 */
const BOUND_MS: Record<InvalidationPath, number> = { bid: 5000, routing: 150, 'cross-service': 5000 };
const LONGEST_BOUND_MS = Math.max(...Object.values(BOUND_MS));

/** Steady load before each fault, and after recovery before the load stops. */
const BEFORE_FAULT_MS = 8000;
const AFTER_RECOVERY_MS = 3000;
/** How long Redis stays dead, and how long it is slowed. */
const REDIS_DOWN_MS = 10000;
const REDIS_SLOW_MS = 8000;
/** Fixed by the issue. */
const KAFKA_DOWN_MS = 60000;
const POSTGRES_DOWN_MS = 30000;

/** Records a partition may be behind while the load runs, and still count as drained. */
const IN_FLIGHT_RECORDS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of every sample of `name` on a `/metrics` page whose labels contain every `labels` pair. */
function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !/[{ ]/.test(line[name.length] ?? '')) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) values.push(value);
  }
  return values;
}

async function metrics(service: FaultService): Promise<string> {
  const response = await fetch(`${service.httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  return response.text();
}

/** L2 calls that succeeded so far, and whether the L2 circuit breaker is closed. */
async function l2State(service: FaultService): Promise<{ ok: number; closed: boolean }> {
  const text = await metrics(service);
  const ok = samples(text, 'cache_l2_duration_seconds_count', { outcome: 'ok' }).reduce((a, b) => a + b, 0);
  const breaker = samples(text, 'cache_circuit_breaker_state');
  return { ok, closed: breaker.length > 0 && breaker.every((state) => state === 0) };
}

describe('fault suite: real services under load while their servers fail', () => {
  let infra: FaultInfra | undefined;
  let services: FaultServices | undefined;
  let db: Pool;
  let world: LoadWorld;
  const rows: FaultFigures[] = [];
  const notes: string[] = [];
  let counter = 1000;
  const nextValue = () => counter++;
  let canaryBid = '';

  beforeAll(async () => {
    rmSync(LOG_DIR, { recursive: true, force: true });
    infra = await startFaultInfra();
    // A pool, not a client: Postgres is stopped under it, and a pool reconnects (and reports, not throws).
    db = new Pool({ connectionString: infra.postgres.url, max: 2 });
    db.on('error', () => undefined);
    services = await startFaultServices(infra, 'standalone');
    world = await seed(services);
  }, 300000);

  afterAll(async () => {
    const table = faultTable(rows);
    const report = [
      `# Fault suite (${new Date().toISOString()})`,
      '',
      'Loopback only, throwaway servers; load: 8 requests in flight (75 % reads over routing and two bid',
      'instances, 25 % writes). Bounds: bid 5 s, routing 150 ms, routing → bid over Kafka 5 s (from the end of',
      "an outage of that path). p99 over the requests started during the fault; time to recover from the server's",
      'return until writes, uncached reads, L2 and a routing change seen by both bid instances all work again.',
      '',
      table,
      '',
      ...notes,
      '',
    ].join('\n');
    console.log(`\n${report}`);
    mkdirSync(join(workspaceRoot, 'tmp/faults'), { recursive: true });
    writeFileSync(join(workspaceRoot, 'tmp/faults/faults.md'), report);
    await db?.end().catch(() => undefined);
    if (services) await stopFaultServices(services.all);
    if (infra) await stopFaultInfra(infra);
  }, 120000);

  const must = async (method: string, url: string, body?: unknown) => {
    const answer = await request(method, url, body);
    if (answer.outcome !== 'ok')
      throw new Error(`${method} ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  /** Buyers and bids the load uses: changed ones, read-only ones (always cached), and two canaries. */
  async function seed(running: FaultServices): Promise<LoadWorld> {
    const buyers = Array.from({ length: 8 }, (_, i) => `fault-buyer-${i}`);
    const cachedBuyers = Array.from({ length: 3 }, (_, i) => `fault-cached-buyer-${i}`);
    for (const buyerId of [...buyers, ...cachedBuyers, 'fault-canary', 'fault-canary-bids'])
      await must('PUT', `${running.routing.httpUrl}/routing/buyers/${buyerId}`, buyerCriteria(nextValue()));
    const bids: { id: string; buyerId: string }[] = [];
    const cachedBids: string[] = [];
    const create = async (buyerId: string) =>
      (
        await must('POST', `${running.bidA.httpUrl}/bids`, {
          callId: `fault-call-${randomUUID().slice(0, 8)}`,
          buyerId,
          amountCents: nextValue(),
        })
      ).id as string;
    for (const buyerId of buyers)
      for (let i = 0; i < 4; i++) bids.push({ id: await create(buyerId), buyerId });
    for (const buyerId of cachedBuyers) for (let i = 0; i < 2; i++) cachedBids.push(await create(buyerId));
    canaryBid = await create('fault-canary-bids');
    return { services: running, bids, buyers, cachedBids, cachedBuyers };
  }

  /** The stored amount of every bid and `minBidCents` of every buyer of the world, by ledger entity. */
  async function stored(): Promise<Map<string, number>> {
    const values = new Map<string, number>();
    const bids = await db.query<{ id: string; amount: number }>(
      'SELECT id::text AS id, amount_cents::int AS amount FROM bid.bids',
    );
    for (const row of bids.rows) values.set(bidEntity(row.id), row.amount);
    const buyers = await db.query<{ id: string; min: number }>(
      'SELECT buyer_id AS id, min_bid_cents::int AS min FROM routing.buyer_routing_criteria',
    );
    for (const row of buyers.rows) values.set(buyerEntity(row.id), row.min);
    return values;
  }

  /**
   * Until the system works again: writes on every instance, an uncached read on each bid instance (answered
   * by Postgres), `ready()` (e.g. L2 back in use), and a routing change that both bid instances serve within
   * the bound although they had the old criteria cached. Returns when all of that held.
   */
  async function waitRecovered(ready: () => Promise<boolean>, timeoutMs = 180000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const { routing, bidA, bidB } = world.services;
    const view = (service: FaultService) => `${service.httpUrl}/bids/buyers/fault-canary/active`;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`not recovered within ${timeoutMs} ms`);
      try {
        if (await ready()) {
          const writes = await Promise.all([
            request('PATCH', `${bidA.httpUrl}/bids/${canaryBid}`, { amountCents: nextValue() }),
            request('PATCH', `${bidB.httpUrl}/bids/${canaryBid}`, { amountCents: nextValue() }),
          ]);
          const uncached = await Promise.all(
            [bidA, bidB].map((service) =>
              request('GET', `${service.httpUrl}/bids/${randomUUID()}`, undefined, true),
            ),
          );
          const before = await Promise.all([bidA, bidB].map((service) => request('GET', view(service))));
          if ([...writes, ...uncached, ...before].every((answer) => answer.outcome === 'ok')) {
            const value = nextValue();
            const put = await request(
              'PUT',
              `${routing.httpUrl}/routing/buyers/fault-canary`,
              buyerCriteria(value),
            );
            if (put.outcome === 'ok') {
              const until = Date.now() + BOUND_MS['cross-service'];
              while (Date.now() < until) {
                const views = await Promise.all([bidA, bidB].map((service) => request('GET', view(service))));
                if (views.every((answer) => answer.body?.routing?.minBidCents === value)) return Date.now();
                await sleep(100);
              }
            }
          }
        }
      } catch {
        // a probe that cannot reach a service yet: try again
      }
      await sleep(250);
    }
  }

  /** Whether every instance's L2 breaker is closed and each made successful L2 calls since `since`. */
  const l2InUse = (since: Map<string, number>) => async () => {
    for (const service of world.services.all) {
      const state = await l2State(service);
      if (!state.closed || state.ok <= (since.get(service.label) ?? 0)) return false;
    }
    return true;
  };
  const l2Baseline = async () => {
    const since = new Map<string, number>();
    for (const service of world.services.all) since.set(service.label, (await l2State(service)).ok);
    return since;
  };

  /**
   * The backlog of the outage is gone: no outbox row older than a second is unsent, and no partition is more
   * than a handful of records behind. The load keeps writing meanwhile, so "nothing pending at all" is only
   * seen by luck (that made recovery look ten times longer than it was); what the outage piled up is what
   * must be gone.
   */
  const eventsDrained = async () => {
    for (const schema of ['routing', 'bid']) {
      const { rows: pending } = await db.query(
        `SELECT count(*)::int AS n FROM "${schema}".outbox_events
          WHERE sent_at IS NULL AND created_at < now() - interval '1 second'`,
      );
      if (pending[0].n !== 0) return false;
    }
    for (const service of world.services.all) {
      if (samples(await metrics(service), 'kafka_consumer_lag').some((lag) => lag > IN_FLIGHT_RECORDS))
        return false;
    }
    return true;
  };

  interface Fault {
    /** Breaks the server and brings it back: `from` when it broke, `back` when it answered again. */
    inject(): Promise<{ from: number; back: number }>;
    /** What must hold, besides the common probes, for the system to count as recovered. */
    recovered(window: { from: number; back: number }): Promise<() => Promise<boolean>>;
    /** Paths that could carry nothing from the fault's start until recovery. */
    outagePaths?: InvalidationPath[];
    /** Undo what is left of the fault after the checks' load has stopped (e.g. let a killed node rejoin). */
    cleanUp?(): Promise<void>;
  }

  /** Runs one fault under load and returns its figures; `rows` gets them for the table. */
  async function runFault(name: string, fault: Fault): Promise<FaultFigures & { checkErrors: string[] }> {
    const ledger = new FaultLedger();
    const before = await stored();
    const entities = [
      ...world.bids.map((bid) => bidEntity(bid.id)),
      ...world.cachedBids.map(bidEntity),
      ...world.buyers.map(buyerEntity),
      ...world.cachedBuyers.map(buyerEntity),
    ];
    for (const entity of entities) ledger.seed(entity, before.get(entity) as number);
    const driver = new LoadDriver(world, ledger, nextValue, 8, rows.length + 1);
    let window = { from: 0, back: 0 };
    let recoveredAt = 0;
    driver.start();
    try {
      await sleep(BEFORE_FAULT_MS);
      window = await fault.inject();
      const ready = await fault.recovered(window);
      recoveredAt = await waitRecovered(ready);
      await sleep(AFTER_RECOVERY_MS);
    } finally {
      await driver.stop();
      await fault.cleanUp?.();
    }
    // Every change's bound has passed: every instance must now serve what Postgres holds.
    await sleep(LONGEST_BOUND_MS + 500);
    const after = await stored();
    const checkErrors: string[] = [];
    let lostInvalidations = 0;
    const expectValue = (what: string, seen: unknown, entity: string) => {
      if (seen !== after.get(entity)) {
        lostInvalidations++;
        checkErrors.push(`${what}: served ${String(seen)}, stored ${after.get(entity)}`);
      }
    };
    const { routing, bidA, bidB } = world.services;
    for (const bid of world.bids) {
      for (const service of [bidA, bidB]) {
        const answer = await request('GET', `${service.httpUrl}/bids/${bid.id}`);
        expectValue(`${service.label} bid ${bid.id}`, answer.body?.amountCents, bidEntity(bid.id));
      }
    }
    for (const buyerId of world.buyers) {
      const answer = await request('GET', `${routing.httpUrl}/routing/buyers/${buyerId}`);
      expectValue(`routing buyer ${buyerId}`, answer.body?.minBidCents, buyerEntity(buyerId));
      for (const service of [bidA, bidB]) {
        const view = await request('GET', `${service.httpUrl}/bids/buyers/${buyerId}/active`);
        expectValue(
          `${service.label} view of ${buyerId}`,
          view.body?.routing?.minBidCents,
          buyerEntity(buyerId),
        );
        for (const bid of view.body?.bids ?? [])
          expectValue(
            `${service.label} view of ${buyerId}, bid ${bid.id}`,
            bid.amountCents,
            bidEntity(bid.id),
          );
      }
    }
    const lostWrites = entities.filter((entity) =>
      isWriteLost(ledger.history(entity), after.get(entity) as number),
    );
    const outages: PathOutage[] = (fault.outagePaths ?? []).map((path) => ({
      path,
      from: window.from,
      to: recoveredAt,
    }));
    const stale = ledger.reads.filter((read) =>
      isStaleAfterBound(ledger.history(read.entity), read, BOUND_MS[read.path], outages),
    );
    const requests = requestFigures(driver.records, { from: window.from, to: window.back });
    const figures = {
      fault: name,
      ...requests,
      timeToRecoverMs: recoveredAt - window.back,
      lostWrites: lostWrites.length,
      lostInvalidations,
      staleReadsAfterBound: stale.length,
      checkErrors,
    };
    rows.push(figures);
    notes.push(
      `${name}: fault at ${new Date(window.from).toISOString()}, server back ${new Date(window.back).toISOString()}, recovered ${new Date(recoveredAt).toISOString()} (services' logs: tmp/faults/logs)`,
    );
    const examples = [
      ...requests.examples,
      ...lostWrites.slice(0, 5).map((entity) => `lost write: ${entity} stored ${after.get(entity)}`),
      ...checkErrors.slice(0, 5).map((error) => `lost invalidation: ${error}`),
      ...stale
        .slice(0, 5)
        .map(
          (read) =>
            `stale: ${read.entity} (${read.path}, ${read.via}) served ${read.value} at +${read.startedAt - window.from} ms from the fault`,
        ),
    ];
    // The log lines of the phase's failed requests (the cause with its stack), a few per service, collected
    // as they were written: the output's tail is all 503s after an outage.
    for (const service of world.services.all) {
      for (const line of service.takeFailedRequestLines().slice(-3)) {
        examples.push(`${service.label} error log: ${line.slice(0, 1500)}`);
      }
    }
    if (examples.length > 0) notes.push(`${name}:`, ...examples.map((example) => `- ${example}`), '');
    return figures;
  }

  /** What every fault must show: nothing lost, nothing stale past its bound. */
  const expectNothingLost = (figures: FaultFigures) => {
    expect({
      lostWrites: figures.lostWrites,
      lostInvalidations: figures.lostInvalidations,
      staleReadsAfterBound: figures.staleReadsAfterBound,
    }).toEqual({ lostWrites: 0, lostInvalidations: 0, staleReadsAfterBound: 0 });
  };

  /** Restarts the services with their cache L2 on the standalone Redis or on the Cluster. */
  async function useL2(mode: L2Mode): Promise<void> {
    if (!infra || !services) throw new Error('the suite did not start');
    await stopFaultServices(services.all);
    services = undefined;
    services = await startFaultServices(infra, mode);
    world = { ...world, services };
  }

  it('should lose nothing and fail no request while Redis is killed and restarted (empty)', async () => {
    const redis = (infra as FaultInfra).redis;
    let since = new Map<string, number>();
    const figures = await runFault('Redis killed 10 s, restarted empty', {
      inject: async () => {
        const from = Date.now();
        await redis.kill();
        try {
          await sleep(REDIS_DOWN_MS);
        } finally {
          await redis.restart();
        }
        since = await l2Baseline();
        return { from, back: Date.now() };
      },
      recovered: async () => l2InUse(since),
    });
    expect(figures.failed).toBe(0);
    expect(figures.designed503).toBe(0);
    expectNothingLost(figures);
  }, 300000);

  it('should lose nothing and fail no request while Redis answers slowly (DEBUG SLEEP)', async () => {
    const redis = (infra as FaultInfra).redis;
    let since = new Map<string, number>();
    const figures = await runFault(`Redis slow ${REDIS_SLOW_MS / 1000} s (DEBUG SLEEP 0.4 s back to back)`, {
      inject: async () => {
        const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
        await client.connect();
        const from = Date.now();
        try {
          while (Date.now() - from < REDIS_SLOW_MS) await client.call('DEBUG', 'SLEEP', '0.4');
        } finally {
          client.disconnect();
        }
        since = await l2Baseline();
        return { from, back: Date.now() };
      },
      recovered: async () => l2InUse(since),
    });
    expect(figures.failed).toBe(0);
    expect(figures.designed503).toBe(0);
    expectNothingLost(figures);
  }, 300000);

  it('should lose nothing and fail no request while Kafka is stopped for 60 s', async () => {
    const kafka = (infra as FaultInfra).kafka;
    const figures = await runFault('Kafka stopped 60 s', {
      inject: async () => {
        const from = Date.now();
        try {
          await kafka.stop('SIGTERM');
          await sleep(Math.max(0, from + KAFKA_DOWN_MS - Date.now()));
        } finally {
          await kafka.start();
        }
        return { from, back: Date.now() };
      },
      recovered: async () => eventsDrained,
      outagePaths: ['cross-service'],
    });
    expect(figures.failed).toBe(0);
    expect(figures.designed503).toBe(0);
    expectNothingLost(figures);
  }, 400000);

  it('should serve cached reads and lose nothing while Postgres is stopped for 30 s (503 + Retry-After for the rest)', async () => {
    const postgres = (infra as FaultInfra).postgres;
    const figures = await runFault('Postgres stopped 30 s', {
      inject: async () => {
        const from = Date.now();
        try {
          await postgres.stop('fast');
          await sleep(Math.max(0, from + POSTGRES_DOWN_MS - Date.now()));
        } finally {
          await postgres.start();
        }
        return { from, back: Date.now() };
      },
      recovered: async () => eventsDrained,
      // The relay reads the outbox and the consumer writes the inbox in Postgres.
      outagePaths: ['cross-service'],
    });
    // Writes and uncached reads answer the documented 503; anything else is a failure.
    expect(figures.failed).toBe(0);
    expect(figures.cachedReadsDuringFault.all).toBeGreaterThan(0);
    expect(figures.cachedReadsDuringFault.ok).toBe(figures.cachedReadsDuringFault.all);
    expectNothingLost(figures);
  }, 300000);

  it('should lose nothing and fail no request while a Redis Cluster master is killed and its replica promoted', async () => {
    await useL2('cluster');
    const cluster = (infra as FaultInfra).cluster;
    let since = new Map<string, number>();
    let killed: (typeof cluster.nodes)[number] | undefined;
    const figures = await runFault('Redis Cluster master killed, replica promoted', {
      inject: async () => {
        const [port] = await cluster.masterPorts();
        killed = cluster.nodes.find((node) => node.port === port);
        if (!killed) throw new Error(`no node on master port ${port}`);
        const from = Date.now();
        await killed.kill();
        // Back when a replica took over the dead master's slots.
        for (;;) {
          const masters = await cluster.masterPorts();
          if (masters.length === 3 && !masters.includes(port)) break;
          if (Date.now() - from > 60000) throw new Error('no replica was promoted within 60 s');
          await sleep(100);
        }
        since = await l2Baseline();
        return { from, back: Date.now() };
      },
      recovered: async () => l2InUse(since),
      cleanUp: async () => {
        await killed?.restart();
        await cluster.waitHealthy(60000);
      },
    });
    expect(figures.failed).toBe(0);
    expect(figures.designed503).toBe(0);
    expectNothingLost(figures);
  }, 400000);
});

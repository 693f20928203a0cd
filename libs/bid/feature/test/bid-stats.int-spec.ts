import { status } from '@grpc/grpc-js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { BidStatsRepository } from '@platform/bid-data-access';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { dropSchema, readJson, sendJson, stackEnv, useTestService } from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BidCacheKeys, bidServiceSpec, BidStatsJob, formatUtcHour } from '../src';

/**
 * Hourly bid statistics on the real stack: the background job's figures against a direct SQL aggregate of
 * the bids, a closed hour aggregated once, `bids:stats:{hour}` filled by the first read and evicted by the
 * job's rewrite, and bad hours. The suite runs the job itself (its cron is removed after checking it is
 * registered). Own schema, cache prefix and consumer group.
 */
describe('bid service: hourly bid statistics (real Postgres, Redis, Kafka)', () => {
  const schema = `bid_st_${randomBytes(4).toString('hex')}`;
  const databaseUrl = stackEnv()['DATABASE_URL'];
  const service = useTestService(bidServiceSpec(), 'bid', {
    DB_SCHEMA: schema,
    CACHE_PREFIX: `${schema}:`,
    KAFKA_GROUP_ID: `bid-${schema}`,
    BID_WARM_TOP_BUYERS: '0',
    LOG_LEVEL: 'fatal',
  });
  const db = new Client({ connectionString: databaseUrl });

  beforeAll(async () => {
    await db.connect();
    const registry = service.app.get(SchedulerRegistry);
    expect(registry.getCronJob('bid-stats')).toBeDefined();
    registry.deleteCronJob('bid-stats');
  });
  afterAll(async () => {
    await db.end();
    await dropSchema(databaseUrl, schema);
  }, 30000);

  const job = () => service.app.get(BidStatsJob);
  const cache = () => service.app.get<TieredCache>(CACHE_INSTANCE);
  const url = (path: string) => `${service.httpUrl}${path}`;
  const create = async (buyerId: string, amountCents: number) => {
    const response = await sendJson('POST', url('/bids'), {
      callId: `call-${randomUUID()}`,
      buyerId,
      amountCents,
    });
    expect(response.status).toBe(201);
    return readJson(response);
  };
  const patch = async (id: string, body: object) => {
    const response = await sendJson('PATCH', url(`/bids/${id}`), body);
    expect(response.status).toBe(200);
  };
  const stats = async (hour: string) => {
    const response = await fetch(url(`/bids/stats/${hour}`));
    expect(response.status).toBe(200);
    return readJson(response);
  };
  /** What the statistics of `hour` must say: the bids of that hour, grouped straight from `bids`. */
  const sqlAggregate = async (hour: string) => {
    const { rows } = await db.query(
      `SELECT buyer_id AS "buyerId", status, count(*)::int AS bids, sum(amount_cents)::float8 AS "amountCents"
         FROM "${schema}".bids
        WHERE created_at >= $1::timestamptz AND created_at < $1::timestamptz + interval '1 hour'
        GROUP BY buyer_id, status ORDER BY buyer_id, status`,
      [`${hour}:00:00Z`],
    );
    return rows;
  };
  /** Seeds bids of two buyers in the current hour, some of them decided; returns the hour and its clock. */
  const seed = async () => {
    const [a, b] = [`buyer-a-${randomUUID()}`, `buyer-b-${randomUUID()}`];
    const bids = [
      await create(a, 1200),
      await create(a, 800),
      await create(a, 500),
      await create(b, 9_000_000),
    ];
    await patch(bids[0].id, { status: 'won' });
    await patch(bids[1].id, { status: 'lost' });
    return { hour: formatUtcHour(new Date(bids[0].createdAt)), now: new Date(bids[0].createdAt), bids };
  };

  it('should answer an hour with the figures of a direct SQL aggregate of its bids, over REST and gRPC', async () => {
    const { hour, now, bids } = await seed();
    // 220 bids of $100,000 for one buyer in the same hour: a sum past int32 (over gRPC too).
    await db.query(
      `INSERT INTO "${schema}".bids (call_id, buyer_id, amount_cents, status, version, created_at)
       SELECT 'call-big-' || g, $1, 10000000, 'active', 1, $2 FROM generate_series(1, 220) g`,
      [`buyer-big-${randomUUID()}`, bids[0].createdAt],
    );
    expect(await job().run(now)).toContain(hour);

    const expected = await sqlAggregate(hour);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    const view = await stats(hour);
    expect(view).toEqual({
      hour,
      closed: false,
      bids: expected.reduce((sum, row) => sum + row.bids, 0),
      amountCents: expected.reduce((sum, row) => sum + row.amountCents, 0),
      buyers: expected,
    });
    expect(view.amountCents).toBeGreaterThan(2 ** 31);

    const grpc = await service.grpc.call('getBidStats', { hour });
    expect(grpc).toMatchObject({ hour, bids: view.bids, amountCents: view.amountCents });
    expect(grpc.buyers).toHaveLength(expected.length);
  }, 60000);

  it('should aggregate a closed hour once, and again only after its bids change', async () => {
    const buyerId = `buyer-old-${randomUUID()}`;
    const old = await create(buyerId, 300);
    const other = await create(buyerId, 400);
    // Bids of an hour three hours back: that hour closed long ago.
    await db.query(
      `UPDATE "${schema}".bids SET created_at = created_at - interval '3 hours' WHERE buyer_id = $1`,
      [buyerId],
    );
    const hour = formatUtcHour(new Date(new Date(old.createdAt).getTime() - 3 * 3_600_000));
    const now = new Date(old.createdAt);

    expect(await job().run(now)).toContain(hour);
    const first = await stats(hour);
    expect(first).toMatchObject({ hour, closed: true, bids: 2, amountCents: 700 });
    expect(first.buyers).toEqual(await sqlAggregate(hour));
    // Nothing changed: the next run leaves the closed hour alone.
    expect(await job().run(now)).not.toContain(hour);

    // A bid of the closed hour moves on (won), another is deleted: the next run aggregates the hour again and
    // evicts its entry, so the statistics show the bids' statuses now, not those of the moment the hour closed.
    await patch(old.id, { status: 'won' });
    expect((await fetch(url(`/bids/${other.id}`), { method: 'DELETE' })).status).toBe(204);
    expect(await stats(hour)).toEqual(first); // the request path never aggregates
    expect(await job().run(now)).toContain(hour);
    const after = await stats(hour);
    expect(after).toMatchObject({ hour, closed: true, bids: 1, amountCents: 300 });
    expect(after.buyers).toEqual([{ buyerId, status: 'won', bids: 1, amountCents: 300 }]);
    expect(after.buyers).toEqual(await sqlAggregate(hour));
    expect(await job().run(now)).not.toContain(hour);
  }, 60000);

  it('should fill bids:stats:{hour} on the first read and serve the second from the cache', async () => {
    const { hour, now } = await seed();
    await job().run(now); // evicts the hour's entry
    const loads = jest.spyOn(service.app.get(BidStatsRepository), 'ofHour');
    try {
      expect(await cache().get(BidCacheKeys.stats(hour))).toBeUndefined();
      const first = await stats(hour);
      expect(loads).toHaveBeenCalledTimes(1);
      expect(await cache().get(BidCacheKeys.stats(hour))).toEqual(first);
      expect(await stats(hour)).toEqual(first);
      expect(loads).toHaveBeenCalledTimes(1);
    } finally {
      loads.mockRestore();
    }
  }, 60000);

  it("should change the hour's answer on the next read after a status change and a job run, not before", async () => {
    const { hour, now, bids } = await seed();
    await job().run(now);
    const before = await stats(hour);

    await patch(bids[2].id, { status: 'won' });
    // The request path never aggregates: until the job runs, the hour says what it said.
    expect(await stats(hour)).toEqual(before);

    await job().run(now);
    const after = await stats(hour);
    expect(after).not.toEqual(before);
    expect(after.buyers).toEqual(await sqlAggregate(hour));
  }, 60000);

  it('should let one run work at a time (advisory lock)', async () => {
    const repository = service.app.get(BidStatsRepository);
    const now = new Date();
    // Hold the bids table so that whichever run takes the advisory lock waits inside it: the other must
    // then find the lock taken. (Two bare concurrent runs raced: on an empty table the first could finish
    // before the second asked, and both got the lock.)
    await db.query('BEGIN');
    await db.query(`LOCK TABLE "${schema}".bids IN ACCESS EXCLUSIVE MODE`);
    const running = [
      repository.aggregate({ now, maxClosedHours: 24 }),
      repository.aggregate({ now, maxClosedHours: 24 }),
    ];
    try {
      expect((await Promise.race(running)).locked).toBe(false);
    } finally {
      await db.query('COMMIT');
    }
    const runs = await Promise.all(running);
    expect(runs.map((run) => run.locked).sort()).toEqual([false, true]);
  }, 60000);

  it.each(['2026-13-01T00', '2026-02-30T10', '2026-12-05T24', '2026-12-05', 'now'])(
    'should answer 400 naming hour for %s (REST and gRPC)',
    async (hour) => {
      const response = await fetch(url(`/bids/stats/${hour}`));
      expect(response.status).toBe(400);
      expect(await readJson(response)).toMatchObject({
        code: 'VALIDATION.FAILED',
        fields: [{ field: 'hour' }],
      });
      await expect(service.grpc.call('getBidStats', { hour })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('hour'),
      });
    },
  );
});

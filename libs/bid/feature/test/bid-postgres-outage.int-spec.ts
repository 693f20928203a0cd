import { Metadata, status } from '@grpc/grpc-js';
import { Bid, BidRepository } from '@platform/bid-data-access';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import { toProblem } from '@platform/service-kit';
import {
  eventually,
  PostgresServerHandle,
  readJson,
  sendJson,
  startPostgresServer,
  useTestService,
} from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BidCacheKeys, bidServiceSpec } from '../src';

/**
 * Postgres really down: the bid service runs on a throwaway Postgres of its own (the shared one is never
 * touched), which the test stops and starts again. Writes and uncached reads must answer 503 /
 * `UNAVAILABLE` with a stable code and a retry hint, never 500 / `INTERNAL`; a cached read still answers;
 * once Postgres is back, writes succeed again. Readiness stays green throughout (every instance shares the
 * database, so taking them out of rotation cures nothing) while `/health` and `/metrics` report the outage.
 */
describe('bid service with Postgres stopped (throwaway Postgres)', () => {
  let postgres: PostgresServerHandle;
  // Filled in by beforeAll: the service reads it when it starts.
  const overrides: Record<string, string> = {
    CACHE_PREFIX: `t-${randomUUID().slice(0, 8)}:bid:`,
    LOG_LEVEL: 'fatal',
  };

  beforeAll(async () => {
    postgres = await startPostgresServer();
    overrides['DATABASE_URL'] = postgres.url;
  }, 120000);
  // Registered after the server's beforeAll, so it runs after the URL is known; closed before destroy.
  const service = useTestService(bidServiceSpec(), 'bid', overrides);
  afterAll(() => postgres?.destroy(), 60000);
  // Each test stops Postgres; the next one needs it back, whatever happened.
  afterEach(() => postgres.start(), 60000);

  const newBid = () => ({
    callId: `call-${randomUUID()}`,
    buyerId: `buyer-${randomUUID()}`,
    amountCents: 700,
  });
  const post = (body: unknown) => sendJson('POST', `${service.httpUrl}/bids`, body);

  it('should answer 503 / UNAVAILABLE with a retry hint while Postgres is down, serve cached reads, and write again once it is back', async () => {
    const created = await post(newBid());
    expect(created.status).toBe(201);
    const { id } = await readJson(created);

    const buyerId = `buyer-${randomUUID()}`;
    const view = { buyerId, routing: null, bids: [] };
    await service.app.get<TieredCache>(CACHE_INSTANCE).set(BidCacheKeys.activeByBuyer(buyerId), view);

    await postgres.stop('fast');

    const refused = newBid();
    const write = await post(refused);
    expect(write.status).toBe(503);
    expect(await readJson(write)).toMatchObject({ statusCode: 503, code: 'DEPENDENCY.UNAVAILABLE' });
    expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);

    const update = await sendJson('PATCH', `${service.httpUrl}/bids/${id}`, { amountCents: 800 });
    expect(update.status).toBe(503);
    expect(await readJson(update)).toMatchObject({ code: 'DEPENDENCY.UNAVAILABLE' });

    const grpcWrite = service.grpc.call('createBid', newBid());
    await expect(grpcWrite).rejects.toMatchObject({ code: status.UNAVAILABLE });
    const grpcError = await grpcWrite.catch((error: { details: string; metadata: Metadata }) => error);
    expect(grpcError.details).toContain('DEPENDENCY.UNAVAILABLE');
    expect(Number(grpcError.metadata.get('retry-after')[0])).toBeGreaterThan(0);
    // The bid was cached on creation: its reads are served; a bid the cache does not hold is not.
    expect((await service.grpc.call('getBid', { id })).bid).toMatchObject({ id, amountCents: 700 });
    expect(await readJson(await fetch(`${service.httpUrl}/bids/${id}`))).toMatchObject({
      id,
      amountCents: 700,
    });
    const notCached = randomUUID();
    await expect(service.grpc.call('getBid', { id: notCached })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });

    const uncached = await fetch(`${service.httpUrl}/bids/${notCached}`);
    expect(uncached.status).toBe(503);
    expect(await readJson(uncached)).toMatchObject({ code: 'DEPENDENCY.UNAVAILABLE' });
    expect(uncached.headers.get('retry-after')).not.toBeNull();

    const cached = await fetch(`${service.httpUrl}/bids/buyers/${buyerId}/active`);
    expect(cached.status).toBe(200);
    expect(await readJson(cached)).toEqual(view);

    await postgres.start();
    const recovered = await eventually(async () => {
      const response = await post(newBid());
      return response.status === 201 && response;
    }, 30000);
    expect(await readJson(recovered)).toMatchObject({ status: 'active', version: 1 });
    // Nothing that was refused was written.
    expect(await readJson(await fetch(`${service.httpUrl}/bids/${id}`))).toMatchObject({ amountCents: 700 });
    expect(await readJson(await fetch(`${service.httpUrl}/bids?callId=${refused.callId}`))).toEqual([]);
  }, 120000);

  it('should answer 503 / UNAVAILABLE for writes whose connection Postgres ends between two of their statements', async () => {
    // The fault suite's 500s: `pg_ctl stop -m fast` ends every connection, also one idle inside a transaction
    // (the row is locked and saved, the outbox insert not yet sent). pg reports that on the client, not on a
    // query, so TypeORM releases the query runner and the transaction's next statement fails with no code
    // and no cause: `QueryRunnerProviderAlreadyReleasedError` from the outbox insert (`manager.query`),
    // `QueryRunnerAlreadyReleasedError` from an entity query.
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await readJson(await post(newBid()))).id);
    const repository = service.app.get(BidRepository);
    const outbox = service.app.get(OutboxService);

    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const open: EntityManager[] = [];
    /** A bid update as the service writes one, held open after the save until `resume`, then `next`. */
    const update = (id: string, next: (tx: EntityManager) => Promise<unknown>) =>
      repository
        .update(
          id,
          (bid) => (bid.amountCents = 900),
          async (tx) => {
            open.push(tx);
            await resumed;
            await next(tx);
          },
        )
        .catch((error: unknown) => error);
    const outboxInsert = update(ids[0], (tx) =>
      outbox.add(
        tx,
        Topic.BidChanged,
        createEnvelope({
          entity: 'bid',
          entityId: ids[0],
          op: 'updated',
          version: 2,
          before: null,
          after: null,
        }),
      ),
    );
    const entityQuery = update(ids[1], (tx) => tx.findOneBy(Bid, { id: ids[1] }));
    await eventually(() => open.length === 2, 30000);

    await postgres.stop('fast');
    // Both connections were ended while idle in their transaction: TypeORM has released their runners.
    await eventually(() => open.every((tx) => tx.queryRunner?.isReleased), 30000);
    resume();

    for (const failure of [await outboxInsert, await entityQuery]) {
      expect(failure).toBeInstanceOf(Error);
      expect(toProblem(failure)).toMatchObject({
        status: 503,
        code: 'DEPENDENCY.UNAVAILABLE',
        retryAfterSeconds: expect.any(Number),
      });
    }

    await postgres.start();
    // Postgres rolled both back: the 503 told the truth ("not acknowledged, retry").
    for (const id of ids) {
      const stored = await eventually(() => repository.findById(id).catch(() => undefined), 30000);
      expect(stored).toMatchObject({ amountCents: 700, version: 1 });
    }
  }, 120000);

  it('should stay ready while Postgres is down and report it in /health and dependency_up', async () => {
    const upGauge = async () => {
      const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
      return /^dependency_up\{dependency="postgres"\} (\d)$/m.exec(text)?.[1];
    };
    expect(await upGauge()).toBe('1');

    await postgres.stop('immediate');

    const ready = await fetch(`${service.httpUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await readJson(ready)).toMatchObject({ status: 'ok', details: { lifecycle: { status: 'up' } } });
    const health = await fetch(`${service.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await readJson(health)).toMatchObject({
      status: 'degraded',
      error: { postgres: { status: 'down' } },
      details: { lifecycle: { status: 'up' }, postgres: { status: 'down' }, redis: { status: 'up' } },
    });
    expect(await upGauge()).toBe('0');
    expect((await fetch(`${service.httpUrl}/health/live`)).status).toBe(200);

    await postgres.start();
    await eventually(
      async () => (await readJson(await fetch(`${service.httpUrl}/health`))).status === 'ok',
      30000,
    );
    expect(await upGauge()).toBe('1');
  }, 120000);
});

import { status } from '@grpc/grpc-js';
import { RunningService } from '@platform/service-kit';
import {
  grpcTestClient,
  readJson,
  sendJson,
  stackEnv,
  startTestService,
} from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { bidServiceSpec } from '../src';

/**
 * Graceful shutdown with a request really in flight: a row lock held from outside keeps the call waiting
 * in Postgres while the service is asked to stop. The call must complete; new calls must be refused once
 * the servers are closed. One transport per test, so neither can hold shutdown open for the other.
 */
describe('bid service shutdown (real Postgres, Redis, Kafka)', () => {
  let service: RunningService;
  let locker: Client;

  beforeEach(async () => {
    service = await startTestService(bidServiceSpec());
    locker = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await locker.connect();
  }, 60000);

  afterEach(async () => {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
    await service.app.close().catch(() => undefined);
  });

  const createBid = async () => {
    const response = await sendJson('POST', `${service.httpUrl}/bids`, {
      callId: `call-${randomUUID()}`,
      buyerId: 'drain',
      amountCents: 100,
    });
    return (await readJson(response)) as { id: string };
  };

  /** Locks the bid, starts `call`, begins shutdown, checks it waits, releases the lock, returns the result. */
  const callDuringShutdown = async <T>(bidId: string, call: () => Promise<T>): Promise<T> => {
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM bid.bids WHERE id = $1 FOR UPDATE', [bidId]);
    const inFlight = call();
    inFlight.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the call reaches Postgres and blocks

    let closed = false;
    const closing = service.app.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false); // still draining: the call holds it open

    await locker.query('COMMIT');
    const result = await inFlight;
    await closing;
    expect(closed).toBe(true);
    return result;
  };

  it('should finish an in-flight REST call before closing, then refuse connections', async () => {
    const bid = await createBid();
    const response = await callDuringShutdown(bid.id, () =>
      sendJson('PATCH', `${service.httpUrl}/bids/${bid.id}`, { status: 'won' }),
    );
    expect(response.status).toBe(200);
    expect(await readJson(response)).toMatchObject({ id: bid.id, status: 'won', version: 2 });
    await expect(fetch(`${service.httpUrl}/health/live`)).rejects.toThrow();
  }, 30000);

  it('should finish an in-flight gRPC call before closing, then refuse calls', async () => {
    const bid = await createBid();
    const grpc = grpcTestClient('bid', service.grpcAddress);
    try {
      const reply = await callDuringShutdown(bid.id, () => grpc.call('updateBid', { id: bid.id, status: 4 }));
      expect(reply.bid).toMatchObject({ id: bid.id, status: 4, version: 2 });
      await expect(grpc.call('getBid', { id: bid.id })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      grpc.close();
    }
  }, 30000);
});

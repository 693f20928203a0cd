import { Topic } from '@platform/contracts';
import { readJson, sendJson, useServiceWithoutRelay } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { analyticsServiceSpec } from '../src';

/**
 * A recorded call and its `analytics.call.recorded.v1` event go through the transactional outbox: both
 * commit or neither. A schema of its own and no relay, so the rows stay where the test reads them.
 */
describe('analytics service outbox (real Postgres)', () => {
  const { service, readOutbox, refuseOutboxWrites } = useServiceWithoutRelay(
    analyticsServiceSpec(),
    'analytics',
  );
  const aCall = (buyerId: string) => ({
    callId: `call-${randomUUID()}`,
    buyerId,
    state: 'CA',
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    durationSeconds: 60,
    revenueCents: 500,
    outcome: 'connected',
  });
  const record = (body: unknown) => sendJson('POST', `${service.httpUrl}/analytics/calls`, body);

  it('should queue the call-recorded event with the record', async () => {
    const created = await readJson(await record(aCall('buyer-a')));
    const rows = await readOutbox(created.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      topic: Topic.CallRecorded,
      sentAt: null,
      payload: { op: 'created', entityId: created.id, after: { callId: created.callId, revenueCents: 500 } },
    });
  });

  it('should record nothing when the event cannot be queued', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    const restore = await refuseOutboxWrites();
    try {
      expect((await record(aCall(buyerId))).status).toBe(500);
    } finally {
      await restore();
    }
    expect(await readJson(await fetch(`${service.httpUrl}/analytics/calls?buyerId=${buyerId}`))).toEqual([]);
  });
});

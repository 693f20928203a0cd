import { status } from '@grpc/grpc-js';
import { Topic } from '@platform/contracts';
import { readJson, readOutbox, sendJson, useIsolatedService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { analyticsServiceSpec } from '../src';

/** Batch ingest over REST and gRPC: validated, idempotent by callId, each new call announced through the outbox. */
describe('analytics batch ingest (real Postgres, Redis, Kafka)', () => {
  const { service, schema, databaseUrl } = useIsolatedService(analyticsServiceSpec(), 'analytics', {
    schemaPrefix: 'analytics_batch',
    dropTimeoutMs: 60000,
    // Calls reported over REST/gRPC only: the calls other suites' won bids sell on the shared
    // `bid.bid.changed.v1` topic (replayed by a new consumer group) would add to its figures.
    overrides: { ANALYTICS_CALLS_FROM_BIDS: 'false' },
  });

  const aCall = (overrides: Record<string, unknown> = {}) => ({
    callId: `call-${randomUUID()}`,
    buyerId: 'buyer-batch',
    state: 'TX',
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    durationSeconds: 30,
    revenueCents: 700,
    outcome: 'connected',
    ...overrides,
  });
  const batch = (calls: unknown) => sendJson('POST', `${service.httpUrl}/analytics/calls/batch`, { calls });
  const announced = async (callIds: string[]) =>
    (await readOutbox(databaseUrl, schema))
      .filter((row) => row.topic === Topic.CallRecorded)
      .map((row) => (row.payload as { after: { callId: string } }).after.callId)
      .filter((callId) => callIds.includes(callId));

  it('should record each new call once, report repeats, and announce only what it recorded', async () => {
    const [a, b] = [aCall(), aCall({ outcome: 'missed', revenueCents: 0 })];
    const first = await batch([a, b, a]);
    expect(first.status).toBe(200);
    const body = await readJson(first);
    expect(body.recorded.map((r: { callId: string }) => r.callId)).toEqual([a.callId, b.callId]);
    expect(body.recorded[1]).toMatchObject({ ...b, id: expect.any(String) });
    expect(body.duplicateCallIds).toEqual([a.callId]);

    const replay = await readJson(await batch([b, a]));
    expect(replay).toEqual({ recorded: [], duplicateCallIds: [b.callId, a.callId] });
    expect((await announced([a.callId, b.callId])).sort()).toEqual([a.callId, b.callId].sort());

    // The hour's counters count each recorded call once, repeats and replays not at all.
    const hour = new Date(a.startedAt).toISOString();
    const metrics = await readJson(
      await fetch(`${service.httpUrl}/analytics/calls/${hour.slice(0, 10)}/${hour.slice(11, 13)}`),
    );
    expect(metrics).toMatchObject({ calls: 2, connectedCalls: 1, revenueCents: 700 });
  });

  it('should record a batch over gRPC, with the outcome as the proto enum', async () => {
    const call = aCall({ outcome: 2 });
    const { recorded, duplicateCallIds } = await service.grpc.call('recordCalls', { calls: [call] });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ callId: call.callId, outcome: 2 });
    expect(duplicateCallIds).toEqual([]);
    const again = await service.grpc.call('recordCalls', { calls: [call] });
    expect(again).toMatchObject({ duplicateCallIds: [call.callId] });
  });

  it('should answer 400 naming the field of the bad call, and record none of the batch', async () => {
    const good = aCall();
    const response = await batch([good, aCall({ state: 'ZZ' })]);
    expect(response.status).toBe(400);
    expect(await readJson(response)).toMatchObject({
      code: 'VALIDATION.FAILED',
      fields: [{ field: expect.stringMatching(/^calls\.1\.state$/) }],
    });
    const empty = await batch([]);
    expect(empty.status).toBe(400);
    expect((await readJson(empty)).fields).toEqual([expect.objectContaining({ field: 'calls' })]);
    expect(await announced([good.callId])).toEqual([]);
  });

  it('should answer INVALID_ARGUMENT naming the field over gRPC', async () => {
    await expect(service.grpc.call('recordCalls', { calls: [aCall({ outcome: 0 })] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('calls.0.outcome'),
    });
  });
});

import { startRedisServer } from '@platform/cache/testing';
import type { RunningService } from '@platform/service-kit';
import { dropSchema, readJson, sendJson, stackEnv, startTestService } from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { bidServiceSpec } from '../src';
import { PeerStubs, startPeerStubs } from './peer-stubs';

/**
 * The decision path with its Redis killed (a throwaway server; the shared one is never touched): decisions
 * are still answered, from the sources (routing and compliance, counted by the stub) and L1.
 */
describe('bid service: decision path with Redis killed (throwaway Redis)', () => {
  const schema = `bid_dpr_${randomBytes(4).toString('hex')}`;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let peers: PeerStubs;
  let service: RunningService;

  beforeAll(async () => {
    redis = await startRedisServer();
    peers = await startPeerStubs();
    service = await startTestService(bidServiceSpec(), {
      REDIS_URL: redis.url,
      CACHE_PREFIX: `${schema}:`,
      DB_SCHEMA: schema,
      KAFKA_GROUP_ID: `bid-${schema}`,
      ROUTING_GRPC_ADDRESS: peers.address,
      COMPLIANCE_GRPC_ADDRESS: peers.address,
      LOG_LEVEL: 'fatal',
    });
  }, 60000);

  afterAll(async () => {
    await service?.app.close();
    await redis?.stop();
    await peers?.stop();
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  }, 30000);

  it('should keep deciding from the sources when Redis is gone', async () => {
    await redis.kill();
    const buyerId = `buyer-${randomUUID()}`;
    peers.profiles.set(buyerId, { states: ['QZ'], minBidCents: 500, active: true });
    peers.stateRules.set('QZ', { callingHoursStart: 0, callingHoursEnd: 24, timezone: 'UTC' });
    const call = { state: 'QZ', time: '2026-01-15T18:00:00Z', callerPhone: '+14155550199' };
    const before = { ...peers.calls };
    const response = await sendJson('POST', `${service.httpUrl}/bids/decisions`, {
      bids: [
        { callId: 'c1', buyerId, amountCents: 900, call },
        { callId: 'c2', buyerId, amountCents: 100, call },
      ],
    });
    expect(response.status).toBe(200);
    const { decisions } = await readJson(response);
    expect(decisions.map((d: { accepted: boolean; reasons: string[] }) => [d.accepted, d.reasons])).toEqual([
      [true, []],
      [false, ['BELOW_MIN_BID']],
    ]);
    expect(peers.calls.getBuyerCriteria).toBeGreaterThan(before.getBuyerCriteria);
    expect(peers.calls.getStateRule).toBeGreaterThan(before.getStateRule);
    expect(peers.calls.checkDnc).toBeGreaterThan(before.checkDnc);
  }, 60000);
});

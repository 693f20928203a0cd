import { credentials, loadPackageDefinition, makeGenericClientConstructor, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { DEVELOPMENT_PEPPER, hmacPhoneNumber } from '@platform/config';
import { ComplianceRulesChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { grpcLoaderOptions, protoPath } from '@platform/proto';
import { KafkaService } from '@platform/service-kit';
import {
  dropSchema,
  eventually,
  KafkaBrokerHandle,
  startKafkaBroker,
  readJson,
  sendJson,
  stackEnv,
  useTestService,
} from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { BidCacheKeys, bidServiceSpec } from '../src';
import { PeerStubs, startPeerStubs } from './peer-stubs';

/**
 * The bid decision path on the real Postgres, Redis and Kafka, its routing and compliance peers stood in
 * for by one gRPC stub speaking their protos and counting their fetches. Kafka is a throwaway broker: on
 * the shared one, other suites' events keep this service evicting unrelated keys, and the engine does not
 * let a load that any tag invalidation overtook be joined or stored (so a load could run twice).
 */
describe('bid service: decision path (real Redis, Kafka, Postgres; counted peers)', () => {
  const schema = `bid_dp_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DB_SCHEMA: schema,
    CACHE_PREFIX: `${schema}:`,
    KAFKA_GROUP_ID: `bid-${schema}`,
    LOG_LEVEL: 'fatal',
  };
  let peers: PeerStubs;
  let broker: KafkaBrokerHandle;
  beforeAll(async () => {
    broker = await startKafkaBroker();
    env['KAFKA_BROKERS'] = broker.brokers;
    peers = await startPeerStubs();
    // Read by useTestService's beforeAll, which runs after this one.
    env['ROUTING_GRPC_ADDRESS'] = peers.address;
    env['COMPLIANCE_GRPC_ADDRESS'] = peers.address;
  }, 240000);
  const service = useTestService(bidServiceSpec(), 'bid', env);
  afterAll(async () => {
    await peers?.stop();
    await broker?.destroy();
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  }, 30000);

  // 18:00 UTC = 10:00 in Los Angeles (January): inside 8..21.
  const NOON_ISH = '2026-01-15T18:00:00Z';
  const decide = async (bids: unknown[]) => {
    const response = await sendJson('POST', `${service.httpUrl}/bids/decisions`, { bids });
    return { status: response.status, body: await readJson(response) };
  };
  const freshBuyer = (over: Partial<{ states: string[]; minBidCents: number; active: boolean }> = {}) => {
    const buyerId = `buyer-${randomUUID()}`;
    peers.profiles.set(buyerId, { states: ['CA'], minBidCents: 500, active: true, ...over });
    return buyerId;
  };
  const freshState = () => {
    // Not a US state (others' suites publish real compliance events for real states on the shared topic,
    // which this service's consumer applies): a cold `compliance:state:{state}` nobody else evicts.
    const state = `Q${String.fromCharCode(65 + Math.floor(Math.random() * 26))}`;
    peers.stateRules.set(state, {
      callingHoursStart: 8,
      callingHoursEnd: 21,
      timezone: 'America/Los_Angeles',
    });
    return state;
  };
  const freshPhone = () => `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

  it('should accept or reject each bid with its reasons, in order', async () => {
    const buyerId = freshBuyer();
    peers.stateRules.set('CA', {
      callingHoursStart: 8,
      callingHoursEnd: 21,
      timezone: 'America/Los_Angeles',
    });
    const listed = freshPhone();
    peers.dnc.add(listed);
    const call = { state: 'CA', time: NOON_ISH };
    const { status: code, body } = await decide([
      { callId: 'c1', buyerId, amountCents: 600, call },
      { callId: 'c2', buyerId, amountCents: 100, call },
      { callId: 'c3', buyerId, amountCents: 600, call: { ...call, callerPhone: listed } },
      { callId: 'c4', buyerId, amountCents: 600, call: { state: 'CA', time: '2026-01-15T06:00:00Z' } },
      { callId: 'c5', buyerId: `buyer-${randomUUID()}`, amountCents: 600, call },
    ]);
    expect(code).toBe(200);
    expect(
      body.decisions.map((d: { accepted: boolean; reasons: string[] }) => [d.accepted, d.reasons]),
    ).toEqual([
      [true, []],
      [false, ['BELOW_MIN_BID']],
      [false, ['DNC_LISTED']],
      [false, ['OUTSIDE_CALLING_HOURS']],
      [false, ['BUYER_NO_CRITERIA']],
    ]);
    expect(body.decisions[2]).toMatchObject({ callId: 'c3', buyerId });
  });

  it('should load a cold hot buyer’s criteria and its call’s compliance answers once under 1,000 concurrent decisions, then never again', async () => {
    const buyerId = freshBuyer();
    const state = freshState();
    peers.profiles.set(buyerId, { states: [state], minBidCents: 500, active: true });
    const phone = freshPhone();
    const before = { ...peers.calls };
    const batch = Array.from({ length: 250 }, (_, i) => ({
      callId: `call-${i}`,
      buyerId,
      amountCents: 600,
      call: { state, time: NOON_ISH, callerPhone: phone },
    }));
    const answers = await Promise.all([decide(batch), decide(batch), decide(batch), decide(batch)]);
    for (const { status: code, body } of answers) {
      expect(code).toBe(200);
      expect(body.decisions).toHaveLength(250);
      expect(body.decisions.every((d: { accepted: boolean }) => d.accepted)).toBe(true);
    }
    const loads = () => ({
      getBuyerCriteria: peers.calls.getBuyerCriteria - before.getBuyerCriteria,
      getStateRule: peers.calls.getStateRule - before.getStateRule,
      checkDnc: peers.calls.checkDnc - before.checkDnc,
    });
    expect(loads()).toEqual({ getBuyerCriteria: 1, getStateRule: 1, checkDnc: 1 });
    const cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    expect(await cache.get(BidCacheKeys.complianceState(state))).toMatchObject({
      state,
      callingHoursStart: 8,
    });
    // The copy keeps the entry's expiry too (`until`, null: not listed or never expires).
    expect(await cache.get(BidCacheKeys.complianceDnc(hmacPhoneNumber(DEVELOPMENT_PEPPER, phone)))).toEqual({
      listed: false,
      until: null,
    });

    // Warm: no network round-trip per bid.
    await decide(batch);
    expect(loads()).toEqual({ getBuyerCriteria: 1, getStateRule: 1, checkDnc: 1 });
  }, 60000);

  it('should drop its copy of a state rule when compliance announces a change, and read the new rule', async () => {
    const state = freshState();
    const buyerId = freshBuyer({ states: [state] });
    const bid = { callId: 'c', buyerId, amountCents: 600, call: { state, time: NOON_ISH } };
    expect((await decide([bid])).body.decisions[0].accepted).toBe(true);

    peers.stateRules.set(state, {
      callingHoursStart: 12,
      callingHoursEnd: 13,
      timezone: 'America/Los_Angeles',
    });
    const event = createEnvelope({
      entity: 'compliance-rule' as const,
      entityId: state,
      op: 'updated',
      version: 2,
      before: { kind: 'state', state },
      after: { kind: 'state', state },
    }) as ComplianceRulesChanged.Value;
    const producer = await service.app.get(KafkaService).producer();
    await producer.send({
      topic: Topic.ComplianceRulesChanged,
      acks: -1,
      messages: [{ key: state, value: JSON.stringify(event) }],
    });
    await eventually(() => service.app.get(InboxService).has(event.eventId), 40000);
    expect((await decide([bid])).body.decisions[0].reasons).toEqual(['OUTSIDE_CALLING_HOURS']);
  }, 60000);

  it('should decide over a gRPC bidi stream in order, and end it with INVALID_ARGUMENT naming a bad field', async () => {
    const buyerId = freshBuyer();
    peers.stateRules.set('CA', {
      callingHoursStart: 8,
      callingHoursEnd: 21,
      timezone: 'America/Los_Angeles',
    });
    const definition = loadPackageDefinition(loadSync(protoPath('bid'), grpcLoaderOptions)) as unknown as {
      bid: {
        v1: {
          BidService: new (
            address: string,
            creds: unknown,
          ) => {
            decideBids(): NodeJS.EventEmitter & { write(m: unknown): void; end(): void };
            close(): void;
          };
        };
      };
    };
    const client = new definition.bid.v1.BidService(service.grpcAddress, credentials.createInsecure());
    try {
      const stream = (bids: unknown[]) =>
        new Promise<{
          decisions: { callId: string; accepted: boolean; reasons: string[] }[];
          error?: { code: number; details: string };
        }>((resolve) => {
          const decisions: { callId: string; accepted: boolean; reasons: string[] }[] = [];
          const call = client.decideBids();
          call.on('data', (d: { callId: string; accepted: boolean; reasons: string[] }) => decisions.push(d));
          call.on('error', (error: { code: number; details: string }) => resolve({ decisions, error }));
          call.on('end', () => resolve({ decisions }));
          for (const bid of bids) call.write(bid);
          call.end();
        });
      const call = { state: 'CA', time: NOON_ISH };
      const ok = await stream([
        { callId: 'g1', buyerId, amountCents: 600, call },
        { callId: 'g2', buyerId, amountCents: 1, call },
      ]);
      expect(ok.error).toBeUndefined();
      expect(ok.decisions.map((d) => [d.callId, d.accepted, d.reasons])).toEqual([
        ['g1', true, []],
        ['g2', false, ['BELOW_MIN_BID']],
      ]);
      const bad = await stream([
        { callId: 'g3', buyerId, amountCents: 600, call: { state: 'california', time: NOON_ISH } },
      ]);
      expect(bad.error).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect(bad.error?.details).toContain('call.state');
    } finally {
      client.close();
    }
  }, 30000);

  it('should end a bidi stream whose message is not a BidCandidate with INVALID_ARGUMENT, not INTERNAL', async () => {
    // Bytes with an invalid wire type: left alone, grpc-js ends the stream with INTERNAL ("Error
    // deserializing request"), which tells the caller the server broke.
    const client = new (makeGenericClientConstructor({}, 'RawClient'))(
      service.grpcAddress,
      credentials.createInsecure(),
    );
    try {
      const error = await new Promise<{ code: number; details: string } | undefined>((resolve) => {
        const call = client.makeBidiStreamRequest(
          '/bid.v1.BidService/DecideBids',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
        );
        call.on('data', () => undefined);
        call.on('error', (e: { code: number; details: string }) => resolve(e));
        call.on('end', () => resolve(undefined));
        call.write(Buffer.from('deadbeefcafebabe0011223344556677', 'hex'));
        call.end();
      });
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(error?.details).toContain('(payload): is not a valid bid.v1.BidCandidate protobuf message');
    } finally {
      client.close();
    }
  }, 30000);

  it('should answer 400 naming each bad field of a batch', async () => {
    const { status: code, body } = await decide([
      { callId: 'c', buyerId: 'b', amountCents: -1, call: { state: 'ca', time: 'noon', callerPhone: '555' } },
    ]);
    expect(code).toBe(400);
    expect(body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'bids.0.amountCents',
      'bids.0.call.callerPhone',
      'bids.0.call.state',
      'bids.0.call.time',
    ]);
    expect((await decide([])).status).toBe(400);
  });
});

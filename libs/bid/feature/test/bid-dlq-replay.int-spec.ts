import { Injectable, Module } from '@nestjs/common';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { BidChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { ConsumeEvent, deadLetterTopic, KafkaService, RunningService } from '@platform/service-kit';
import {
  eventually,
  recordTopic,
  runDlqCli,
  stackEnv,
  startTestService,
  TopicRecording,
} from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BidCacheKeys, bidServiceSpec } from '../src';

/** The failure the test switches on and off: a downstream the service's handler needs refuses the bid. */
class DownstreamRefusedError extends Error {
  readonly code = 'TEST.DOWNSTREAM_REFUSED';
}

/**
 * A `@ConsumeEvent` handler of bid changes beside the bid service's own, doing "domain work" that fails for
 * the bids in `refused` (the cause an operator fixes) and counts each event it applied.
 */
@Injectable()
class RefusingDownstream {
  readonly refused = new Set<string>();
  readonly applied = new Map<string, number>();

  @ConsumeEvent(Topic.BidChanged, BidChanged.Value)
  onBidChanged(event: BidChanged.Value): void {
    if (this.refused.has(event.entityId)) throw new DownstreamRefusedError(`bid ${event.entityId} refused`);
    this.applied.set(event.eventId, (this.applied.get(event.eventId) ?? 0) + 1);
  }
}

@Module({ providers: [RefusingDownstream] })
class RefusingDownstreamModule {}

/**
 * Dead-lettered events, inspected and replayed with `npm run dlq` (run as a process, as an operator does) against
 * the bid service on the real Kafka, Postgres and Redis. The tests are steps of one story and run in order:
 * an event fails past the retries, lands in `bid.bid.changed.v1.dlq` and is listed; a dry run sends nothing;
 * once the cause is gone a replay sends it back and the service applies it exactly once; a second replay sends
 * nothing. The dead-letter topic is shared with every other run, so the tool is always filtered by this
 * service's own consumer group.
 */
describe('bid service: dead-lettered events, listed and replayed (real Kafka, Postgres, Redis)', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `bid_dlq_${run}`;
  const dlqTopic = deadLetterTopic(Topic.BidChanged);
  const kafkaEnv = { KAFKA_BROKERS: stackEnv()['KAFKA_BROKERS'] };
  let service: RunningService;
  let cache: TieredCache;
  let inbox: InboxService;
  let downstream: RefusingDownstream;
  let group: string;
  let dlq: TopicRecording;
  const poisoned = bidEvent();
  const key = BidCacheKeys.bid(poisoned.entityId);

  beforeAll(async () => {
    const spec = bidServiceSpec();
    service = await startTestService(
      { ...spec, features: [...spec.features, RefusingDownstreamModule] },
      {
        CACHE_PREFIX: `t-${run}:bid:`,
        DB_SCHEMA: schema,
        KAFKA_CONSUMER_MAX_ATTEMPTS: '2',
        KAFKA_CONSUMER_RETRY_INITIAL_MS: '50',
        KAFKA_CONSUMER_RETRY_MAX_MS: '200',
        LOG_LEVEL: 'fatal',
      },
      { skipTopicHistory: true },
    );
    cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    inbox = service.app.get(InboxService);
    downstream = service.app.get(RefusingDownstream);
    group = service.config.kafka.groupId;
    dlq = await recordTopic(dlqTopic);
    // The consumer has joined and reads once this one is handled (its group starts at the topics' ends).
    await applied(bidEvent());
  }, 90000);

  afterAll(async () => {
    await dlq?.stop();
    await service?.app.close();
    const db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  }, 30000);

  function bidEvent(id = randomUUID()): BidChanged.Value {
    const snapshot = { id, callId: `call-${id}`, buyerId: 'b-1', currency: 'USD', status: 'active' as const };
    return createEnvelope({
      entity: 'bid' as const,
      entityId: id,
      op: 'updated',
      version: 2,
      before: { ...snapshot, amountCents: 100 },
      after: { ...snapshot, amountCents: 200 },
    }) as BidChanged.Value;
  }

  async function send(event: BidChanged.Value): Promise<void> {
    const producer = await service.app.get(KafkaService).producer();
    await producer.send({
      topic: Topic.BidChanged,
      acks: -1,
      messages: [{ key: event.entityId, value: JSON.stringify(event) }],
    });
  }

  /** Sends `event` and waits until the service recorded it: everything sent before it is handled too. */
  async function applied(event: BidChanged.Value): Promise<void> {
    await send(event);
    await eventually(() => inbox.has(event.eventId), 40000);
  }

  /** Runs `npm run dlq -- <args> --json` filtered to this service's group; resolves its parsed output. */
  async function dlqTool(...args: string[]) {
    const result = await runDlqCli(
      [...args, '--topic', Topic.BidChanged, '--group', group, '--json'],
      kafkaEnv,
    );
    if (result.code !== 0) throw new Error(`dlq ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  it('should dead-letter an event whose handler fails past the retries, without marking it processed', async () => {
    downstream.refused.add(poisoned.entityId);
    await send(poisoned);
    const [letter] = await dlq.waitFor(
      (m) => m.value?.toString().includes(poisoned.eventId) ?? false,
      1,
      40000,
    );
    expect(letter.headers?.['dlq-consumer-group']?.toString()).toBe(group);
    expect(letter.headers?.['dlq-error-code']?.toString()).toBe('TEST.DOWNSTREAM_REFUSED');
    expect(letter.headers?.['dlq-attempts']?.toString()).toBe('2');
    // Not in the inbox: a replay of it must not be skipped as a duplicate.
    expect(await inbox.has(poisoned.eventId)).toBe(false);
    expect(downstream.applied.get(poisoned.eventId)).toBeUndefined();
  }, 60000);

  it('should list the dead-lettered event by error code and consumer group', async () => {
    const summary = await dlqTool('list');
    expect(summary).toMatchObject({
      dlqTopic,
      matched: 1,
      pending: 1,
      replayed: 0,
      byErrorCode: { 'TEST.DOWNSTREAM_REFUSED': 1 },
      byGroup: { [group]: 1 },
    });
    expect(summary.oldestFailedAt).toEqual(summary.newestFailedAt);
    expect(summary.records).toEqual([
      expect.objectContaining({
        eventId: poisoned.eventId,
        entity: 'bid',
        entityId: poisoned.entityId,
        originalTopic: Topic.BidChanged,
        errorCode: 'TEST.DOWNSTREAM_REFUSED',
        error: `bid ${poisoned.entityId} refused`,
        replayed: false,
      }),
    ]);
  }, 60000);

  it('should send nothing back on a dry run', async () => {
    // A stale copy the event's eviction would drop: still cached after the dry run means nothing was sent.
    await cache.set(key, { cached: 'stale' });
    const result = await dlqTool('replay', '--dry-run');
    expect(result).toMatchObject({ dryRun: true, matched: 1, republished: 1, alreadyReplayed: 0 });
    expect(result.records).toEqual([expect.objectContaining({ eventId: poisoned.eventId })]);

    await applied(bidEvent());
    expect(await cache.get(key)).toEqual({ cached: 'stale' });
    expect(await inbox.has(poisoned.eventId)).toBe(false);
    expect((await dlqTool('list')).pending).toBe(1);
  }, 90000);

  it('should send the event back once the cause is fixed, and the service should apply it exactly once', async () => {
    downstream.refused.delete(poisoned.entityId);
    const result = await dlqTool('replay');
    expect(result).toMatchObject({
      dryRun: false,
      matched: 1,
      republished: 1,
      byTopic: { [Topic.BidChanged]: 1 },
    });

    await eventually(() => inbox.has(poisoned.eventId), 40000);
    expect(await cache.get(key)).toBeUndefined();
    expect(downstream.applied.get(poisoned.eventId)).toBe(1);
    expect(await dlqTool('list')).toMatchObject({ matched: 1, pending: 0, replayed: 1 });
  }, 90000);

  it('should send nothing back on a second replay', async () => {
    await cache.set(key, { cached: 'after the replay' });
    const result = await dlqTool('replay');
    expect(result).toMatchObject({ matched: 1, alreadyReplayed: 1, republished: 0 });

    await applied(bidEvent());
    expect(await cache.get(key)).toEqual({ cached: 'after the replay' });
    expect(downstream.applied.get(poisoned.eventId)).toBe(1);
  }, 90000);

  it('should refuse a bad argument or an unknown topic with exit code 2, naming it', async () => {
    const missing = await runDlqCli(['replay', '--dry-run'], kafkaEnv);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--topic: is required');

    const badLimit = await runDlqCli(['replay', '--topic', Topic.BidChanged, '--limit', 'all'], kafkaEnv);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit: must be a whole number');

    const unknown = await runDlqCli(['list', '--topic', `no.such.topic-${run}.v1`], kafkaEnv);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`no.such.topic-${run}.v1.dlq" does not exist`);
  }, 60000);
});

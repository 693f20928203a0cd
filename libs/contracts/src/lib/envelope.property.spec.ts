import fc from 'fast-check';
import { z } from 'zod';
import * as BidChanged from './events/bid-changed';
import * as BuyerRoutingChanged from './events/buyer-routing-changed';
import * as CallRecorded from './events/call-recorded';
import * as ComplianceRulesChanged from './events/compliance-rules-changed';
import { createEnvelope } from './envelope';
import { Topic } from './topics';
import { ContractViolationError, parseEvent } from './validate';

const seed = process.env['FC_SEED'] ? Number(process.env['FC_SEED']) : undefined;
const id = fc.string({ minLength: 1, maxLength: 64 });
const count = fc.integer({ min: 0, max: 1_000_000_000 });
const state = fc.constantFrom('CA', 'TX', 'NY');
const iso = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** Snapshots each topic's producer may send. */
const snapshots: Record<Topic, { schema: z.ZodType; entity: string; snapshot: fc.Arbitrary<object> }> = {
  [Topic.BidChanged]: {
    schema: BidChanged.Value,
    entity: 'bid',
    snapshot: fc.record({
      id: fc.uuid({ version: 4 }),
      callId: id,
      buyerId: id,
      amountCents: count,
      currency: fc.constantFrom('USD', 'EUR'),
      status: fc.constantFrom(...BidChanged.BidStatus.options),
    }),
  },
  [Topic.BuyerRoutingChanged]: {
    schema: BuyerRoutingChanged.Value,
    entity: 'buyer',
    snapshot: fc.record(
      {
        buyerId: id,
        states: fc.array(state),
        minBidCents: count,
        maxConcurrentCalls: count,
        priority: fc.integer({ min: -1000, max: 1000 }),
        active: fc.boolean(),
        timeZone: fc.constantFrom('UTC', 'America/New_York'),
        hoursStartMinute: fc.integer({ min: 0, max: 1439 }),
        hoursEndMinute: fc.integer({ min: 1, max: 1440 }),
        dailyCap: fc.option(count, { nil: null }),
      },
      { requiredKeys: ['buyerId', 'states', 'minBidCents', 'maxConcurrentCalls', 'priority', 'active'] },
    ),
  },
  [Topic.ComplianceRulesChanged]: {
    schema: ComplianceRulesChanged.Value,
    entity: 'compliance-rule',
    snapshot: fc.record(
      {
        kind: fc.constantFrom(...ComplianceRulesChanged.RuleKind.options),
        tcpaVersion: fc.integer({ min: 1, max: 1000 }),
        phoneHash: fc.stringMatching(/^[a-f0-9]{64}$/),
        state,
        active: fc.boolean(),
        dncGeneration: count,
      },
      { requiredKeys: ['kind'] },
    ),
  },
  [Topic.CallRecorded]: {
    schema: CallRecorded.Value,
    entity: 'call-record',
    snapshot: fc.record({
      id: fc.uuid({ version: 4 }),
      callId: id,
      buyerId: id,
      state,
      startedAt: iso,
      durationSeconds: count,
      revenueCents: count,
      outcome: fc.constantFrom(...CallRecorded.CallOutcome.options),
    }),
  },
};

const topics = Object.values(Topic);

/** An event as a producer builds it, for `topic`. */
const eventOf = (topic: Topic) => {
  const { entity, snapshot } = snapshots[topic];
  return fc
    .record({
      entityId: fc.string({ minLength: 1, maxLength: 128 }),
      op: fc.constantFrom('created' as const, 'updated' as const, 'deleted' as const),
      version: count,
      before: fc.option(snapshot, { nil: null }),
      after: fc.option(snapshot, { nil: null }),
      correlationId: fc.string({ minLength: 1, maxLength: 128 }),
      causationId: fc.option(fc.string({ minLength: 1, maxLength: 128 }), { nil: null }),
    })
    .map((input) => createEnvelope({ entity, ...input }));
};

describe('event envelopes (property-based)', () => {
  it.each(topics)('should decode what a producer encodes on %s, unchanged', (topic) => {
    fc.assert(
      fc.property(eventOf(topic), (event) => {
        // Encode as the outbox relay does (JSON text), decode as a consumer does.
        const decoded = parseEvent(topic, snapshots[topic].schema, JSON.parse(JSON.stringify(event)));
        expect(decoded).toEqual(event);
      }),
      { seed },
    );
  });

  it.each(topics)(
    'should reject any other JSON on %s with a ContractViolationError naming paths',
    (topic) => {
      const { schema } = snapshots[topic];
      const anyJson = fc.oneof(
        fc.jsonValue(),
        // A valid event with one field replaced: the likeliest real corruption.
        fc
          .tuple(
            eventOf(topic),
            fc.constantFrom(
              'eventId',
              'occurredAt',
              'entity',
              'version',
              'op',
              'before',
              'after',
              'entityId',
            ),
            fc.jsonValue(),
          )
          .map(([event, field, value]) => ({ ...event, [field]: value })),
        fc
          .tuple(eventOf(topic), fc.constantFrom('__proto__', 'constructor'))
          .map(([event, key]) =>
            JSON.parse(JSON.stringify(event).replace(/^\{/, `{"${key}":{"polluted":true},`)),
          ),
      );
      fc.assert(
        fc.property(anyJson, (value) => {
          const result = schema.safeParse(value);
          try {
            const decoded = parseEvent(topic, schema, value);
            expect(result.success).toBe(true);
            expect(decoded).toEqual(result.data);
          } catch (error) {
            expect(error).toBeInstanceOf(ContractViolationError);
            const violation = error as ContractViolationError;
            expect(violation.topic).toBe(topic);
            expect(violation.fields.length).toBeGreaterThan(0);
            for (const field of violation.fields) expect(field.path.length).toBeGreaterThan(0);
          }
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        }),
        { seed },
      );
    },
  );

  it('should turn random bytes into either a JSON parse error or a typed rejection, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...topics), (bytes, topic) => {
        let value: unknown;
        try {
          value = JSON.parse(Buffer.from(bytes).toString());
        } catch (error) {
          expect(error).toBeInstanceOf(SyntaxError);
          return;
        }
        expect(() => parseEvent(topic, snapshots[topic].schema, value)).toThrow(ContractViolationError);
      }),
      { seed },
    );
  });
});

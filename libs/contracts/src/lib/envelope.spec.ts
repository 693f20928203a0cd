import { BidChanged, ContractViolationError, createEnvelope, parseEvent, Topic } from '../index';

const bid = (overrides: Partial<BidChanged.Snapshot> = {}): BidChanged.Snapshot => ({
  id: '7f9c2b1e-2f7a-4d3b-9f43-1c2d3e4f5a6b',
  callId: 'call-1',
  buyerId: 'buyer-1',
  amountCents: 1250,
  currency: 'USD',
  status: 'active',
  ...overrides,
});

describe('createEnvelope()', () => {
  it('should fill ids, timestamp and the changed fields from before/after', () => {
    const event = createEnvelope({
      entity: 'bid' as const,
      entityId: bid().id,
      op: 'updated',
      version: 2,
      before: bid(),
      after: bid({ status: 'won', buyerId: 'buyer-2' }),
    });
    expect(event.changedFields).toEqual(['buyerId', 'status']);
    expect(event.correlationId).toBe(event.eventId);
    expect(event.causationId).toBeNull();
    expect(() => parseEvent(Topic.BidChanged, BidChanged.Value, event)).not.toThrow();
  });
});

describe('parseEvent()', () => {
  it('should name the fields that break the contract', () => {
    const event = createEnvelope({
      entity: 'bid' as const,
      entityId: 'x',
      op: 'created',
      version: 1,
      before: null,
      after: bid(),
    });
    const broken = { ...event, eventId: 'not-a-uuid', after: { ...bid(), amountCents: -5 } };
    try {
      parseEvent(Topic.BidChanged, BidChanged.Value, broken);
      throw new Error('expected a contract violation');
    } catch (error) {
      expect(error).toBeInstanceOf(ContractViolationError);
      expect((error as ContractViolationError).fields.map((f) => f.path).sort()).toEqual([
        'after.amountCents',
        'eventId',
      ]);
    }
  });

  it('should reject an event of another entity', () => {
    const event = createEnvelope({
      entity: 'buyer' as const,
      entityId: 'b',
      op: 'created',
      version: 1,
      before: null,
      after: bid(),
    });
    expect(() => parseEvent(Topic.BidChanged, BidChanged.Value, event)).toThrow(/entity/);
  });
});

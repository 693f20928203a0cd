import { BidChanged, createEnvelope, Topic } from '@platform/contracts';
import type { ConsumedEvent, InboxService } from '@platform/database';
import { PoisonMessageError, TransientConsumerError } from './consumer/consumer-errors';
import { EventIntake } from './event-intake';

/** In-memory stand-in for the Postgres inbox (the real one is covered by libs/shared/database tests). */
class MemoryInbox {
  readonly seen = new Set<string>();
  async has(eventId: string) {
    return this.seen.has(eventId);
  }
  async recordOnce(event: ConsumedEvent) {
    if (this.seen.has(event.eventId)) return false;
    this.seen.add(event.eventId);
    return true;
  }
}

const bidEvent = () =>
  createEnvelope({
    entity: 'bid' as const,
    entityId: '7f9c2b1e-2f7a-4d3b-9f43-1c2d3e4f5a6b',
    op: 'created',
    version: 1,
    before: null,
    after: {
      id: '7f9c2b1e-2f7a-4d3b-9f43-1c2d3e4f5a6b',
      callId: 'c',
      buyerId: 'b',
      amountCents: 1,
      currency: 'USD',
      status: 'pending',
    },
  });

describe(EventIntake.name, () => {
  let inbox: MemoryInbox;
  let intake: EventIntake;

  beforeEach(() => {
    inbox = new MemoryInbox();
    intake = new EventIntake(inbox as unknown as InboxService);
  });

  describe('process()', () => {
    const raw = (value: unknown) => Buffer.from(JSON.stringify(value));

    it('should run every handler once per eventId, then record it', async () => {
      const first = jest.fn();
      const second = jest.fn();
      const event = bidEvent();
      expect(await intake.process(Topic.BidChanged, BidChanged.Value, raw(event), [first, second])).toBe(
        'handled',
      );
      expect(await intake.process(Topic.BidChanged, BidChanged.Value, raw(event), [first, second])).toBe(
        'duplicate',
      );
      expect(first).toHaveBeenCalledTimes(1);
      expect(second).toHaveBeenCalledTimes(1);
      expect(inbox.seen.has(event.eventId)).toBe(true);
    });

    it('should throw a poison error for an empty, non-JSON or contract-violating record', async () => {
      const handle = jest.fn();
      for (const value of [null, Buffer.from(''), Buffer.from('{oops'), raw({ hello: 'world' })]) {
        await expect(
          intake.process(Topic.BidChanged, BidChanged.Value, value, [handle]),
        ).rejects.toBeInstanceOf(PoisonMessageError);
      }
      await expect(
        intake.process(Topic.BidChanged, BidChanged.Value, raw({ ...bidEvent(), eventId: 'x' }), [handle]),
      ).rejects.toMatchObject({ code: 'CONTRACT.VIOLATION', message: expect.stringContaining('eventId') });
      expect(handle).not.toHaveBeenCalled();
      expect(inbox.seen.size).toBe(0);
    });

    it('should turn an inbox failure into a transient error and leave a failed event unrecorded', async () => {
      const event = bidEvent();
      const broken = new EventIntake({
        has: () => Promise.reject(new Error('connection refused')),
      } as unknown as InboxService);
      await expect(broken.process(Topic.BidChanged, BidChanged.Value, raw(event), [])).rejects.toBeInstanceOf(
        TransientConsumerError,
      );
      const failing = jest
        .fn()
        .mockRejectedValue(Object.assign(new Error('down'), { code: 'E_L2_UNAVAILABLE' }));
      await expect(
        intake.process(Topic.BidChanged, BidChanged.Value, raw(event), [failing]),
      ).rejects.toMatchObject({
        code: 'E_L2_UNAVAILABLE',
      });
      expect(inbox.seen.has(event.eventId)).toBe(false);
    });
  });
});

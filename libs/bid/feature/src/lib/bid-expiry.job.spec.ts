import { BidExpiryJob } from './bid-expiry.job';
import type { BidService } from './bid.service';

describe('BidExpiryJob', () => {
  /** A job over a service whose runs finish only when the test says so. */
  const job = () => {
    const runs: { now: Date; finish: (expired: number) => void }[] = [];
    const bids = {
      expireOverdue: ({ now }: { now: Date }) => new Promise<number>((finish) => runs.push({ now, finish })),
    } as unknown as BidService;
    return { runs, job: new BidExpiryJob(bids) };
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('should run once more after the run in progress for a call that lands during it, never two at once', async () => {
    const { runs, job: expiry } = job();
    const first = expiry.run(new Date(1_000));
    const second = expiry.run(new Date(2_000));
    const third = expiry.run(new Date(3_000));
    await tick();
    expect(runs).toHaveLength(1);
    runs[0].finish(4);
    expect(await first).toBe(4);
    await tick();
    // The calls made during the first run share one run, which starts after it.
    expect(runs).toHaveLength(2);
    expect(runs[1].now.getTime()).toBe(2_000);
    runs[1].finish(1);
    expect(await second).toBe(1);
    expect(await third).toBe(1);
    expect(runs).toHaveLength(2);
  });

  it('should answer 0 for a failed run and run again on the next call', async () => {
    const failing = {
      expireOverdue: jest.fn().mockRejectedValueOnce(new Error('db down')).mockResolvedValueOnce(2),
    } as unknown as BidService;
    const expiry = new BidExpiryJob(failing);
    expect(await expiry.run()).toBe(0);
    expect(await expiry.run()).toBe(2);
  });
});

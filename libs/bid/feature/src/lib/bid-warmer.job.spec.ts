import type { BidRepository } from '@platform/bid-data-access';
import type { TieredCache } from '@platform/cache';
import type { ServiceConfig } from '@platform/config';
import { BidWarmerJob } from './bid-warmer.job';
import type { BuyerActiveBidsService } from './buyer-active-bids.service';

describe('BidWarmerJob', () => {
  const job = (enabled: boolean) => {
    const calls = { ranked: 0, loaded: [] as string[] };
    const bids = {
      topBuyersByActiveValue: async (limit: number) => {
        calls.ranked++;
        return ['b1', 'b2', 'b3'].slice(0, limit);
      },
    } as unknown as BidRepository;
    const views = {
      get: async (buyerId: string) => {
        calls.loaded.push(buyerId);
        return { buyerId, bids: [] };
      },
    } as unknown as BuyerActiveBidsService;
    const config = { vars: { BID_WARM_TOP_BUYERS: '3' } } as unknown as ServiceConfig;
    return { calls, job: new BidWarmerJob(bids, views, config, { enabled } as TieredCache) };
  };

  it('should warm the top buyers’ views with the cache on', async () => {
    const { calls, job: warmer } = job(true);
    expect(await warmer.warm(2)).toBe(2);
    expect(calls.ranked).toBe(1);
    expect(calls.loaded.sort()).toEqual(['b1', 'b2']);
  });

  it('should neither rank buyers nor load a view with the cache off', async () => {
    const { calls, job: warmer } = job(false);
    expect(await warmer.warm(3)).toBe(0);
    expect(await warmer.run()).toBe(0);
    expect(calls).toEqual({ ranked: 0, loaded: [] });
  });
});

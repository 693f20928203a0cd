/**
 * The hit-rate model of `bench:load`. Not in the project's default test match (bench/ is not): run it with
 * `npx jest -c apps/platform-e2e/jest.config.js --testMatch '<rootDir>/bench/*.spec.ts'`.
 */
import { hitCeiling } from './hit-ceiling';
import { LOAD_MIX } from './load-mix';

const route = (name: string) => {
  const found = LOAD_MIX.find((r) => r.name === name);
  if (!found) throw new Error(`no route ${name}`);
  return found;
};
const noExpiry = { reqPerSec: Infinity, warmup: 0, requests: 20_000 };

describe('hitCeiling (the hit rate the load mix allows)', () => {
  it('should hit every lookup of a warmed, never-expiring cache when nothing writes', () => {
    const reads = LOAD_MIX.filter((r) => !r.write);
    expect(hitCeiling({ bids: 1000, buyers: 100 }, 0.99, { ...noExpiry, mix: reads })).toBe(1);
  });

  // One bid: a PATCH evicts `bid:0`; with equal weights about half the reads follow a write.
  const readWrite = [route('GET /bids/:id'), { ...route('PATCH /bids/:id (amount)'), weight: 35 }];

  it("should miss the first read after each write that evicts the read's key, without the refill", () => {
    const rate = hitCeiling({ bids: 1, buyers: 1 }, 0.99, { ...noExpiry, mix: readWrite, refill: false });
    expect(rate).toBeGreaterThan(0.4);
    expect(rate).toBeLessThan(0.6);
  });

  it('should hit the read after a write when the write refills a key read lately', () => {
    // One request a second: the bid was read within the refill window (30 s) before each write.
    const options = { reqPerSec: 1, warmup: 1000, requests: 20_000, mix: readWrite };
    expect(hitCeiling({ bids: 1, buyers: 1 }, 0.99, options)).toBe(1);
  });

  it('should not refill a key nobody read within its window', () => {
    // One request every 40 s: past bid's 30 s refill window, inside its 5 min L2 TTL.
    const options = { reqPerSec: 1 / 40, warmup: 100, requests: 20_000, mix: readWrite };
    const rate = hitCeiling({ bids: 1, buyers: 1 }, 0.99, options);
    expect(rate).toBeGreaterThan(0.4);
    expect(rate).toBeLessThan(0.6);
  });

  it("should count the lookup of bid's routing copy that refilling a buyer's active view makes", () => {
    // A buyer read once through its active view (view and copy), then only written: each PUT evicts both and
    // refills the view, whose loader misses the copy; the reads stay hits.
    const mix = [
      route('GET /bids/buyers/:buyerId/active'),
      { ...route('PUT /routing/buyers/:buyerId'), weight: 25 },
    ];
    const rate = hitCeiling({ bids: 1, buyers: 1 }, 0.99, {
      reqPerSec: 1,
      warmup: 1000,
      requests: 20_000,
      mix,
    });
    // Half the requests are PUTs and each adds one missed copy lookup to the hits of the reads.
    expect(rate).toBeGreaterThan(0.4);
    expect(rate).toBeLessThan(0.6);
  });

  it("should not refill a state's route: the decision after a PUT that evicted it misses", () => {
    const mix = [route('POST /routing/decisions'), { ...route('PUT /routing/buyers/:buyerId'), weight: 10 }];
    const rate = hitCeiling({ bids: 1, buyers: 1 }, 0.99, {
      reqPerSec: 1,
      warmup: 1000,
      requests: 20_000,
      mix,
    });
    expect(rate).toBeGreaterThan(0.4);
    expect(rate).toBeLessThan(0.6);
  });

  it('should expire entries after their L2 TTL at the given request rate', () => {
    const reads = [route('GET /bids/:id')];
    const data = { bids: 100_000, buyers: 10 };
    const fast = hitCeiling(data, 0.99, { reqPerSec: 10_000, warmup: 100_000, requests: 50_000, mix: reads });
    const slow = hitCeiling(data, 0.99, { reqPerSec: 10, warmup: 100_000, requests: 50_000, mix: reads });
    expect(slow).toBeLessThan(fast);
  });

  it('should refuse a route it has no model of, instead of counting it as no lookup', () => {
    const unknown = { ...route('GET /bids/:id'), name: 'GET /new-route' };
    expect(() => hitCeiling({ bids: 10, buyers: 10 }, 0.99, { ...noExpiry, mix: [unknown] })).toThrow(
      /no model of GET \/new-route/,
    );
  });
});

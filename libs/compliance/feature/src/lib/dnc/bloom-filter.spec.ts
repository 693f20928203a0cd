import { createHmac } from 'node:crypto';
import { BloomFilter } from './bloom-filter';

const member = (i: number) => createHmac('sha256', 'spec').update(String(i)).digest('hex');

describe(BloomFilter, () => {
  describe('forCapacity()', () => {
    it('should size 1M members at 1 % to about 9.6 bits each with 7 positions', () => {
      const filter = BloomFilter.forCapacity({ capacity: 1_000_000, falsePositiveRate: 0.01 });
      expect(filter.size).toBeGreaterThan(9_500_000);
      expect(filter.size).toBeLessThan(9_700_000);
      expect(filter.hashes).toBe(7);
    });
  });

  describe('mightContain()', () => {
    it('should never say no for a member, and say maybe for about the rate of non-members', () => {
      const filter = BloomFilter.forCapacity({ capacity: 20_000, falsePositiveRate: 0.01 });
      for (let i = 0; i < 20_000; i++) filter.add(member(i));
      for (let i = 0; i < 20_000; i++) expect(filter.mightContain(member(i))).toBe(true);
      let maybes = 0;
      for (let i = 20_000; i < 120_000; i++) if (filter.mightContain(member(i))) maybes++;
      expect(maybes / 100_000).toBeGreaterThan(0.003);
      expect(maybes / 100_000).toBeLessThan(0.02);
    });
  });

  describe('add()', () => {
    it('should set exactly the bits (h1 + i·h2) mod m of the hash, so filters stored in Redis stay valid', () => {
      // Sizes that are not powers of two, so the walk wraps around m.
      for (const capacity of [1000, 77_777, 1_250_000]) {
        const filter = BloomFilter.forCapacity({ capacity, falsePositiveRate: 0.01 });
        const expected = new Uint8Array(filter.size / 8);
        for (let n = 0; n < 200; n++) {
          const hash = member(capacity + n);
          filter.add(hash);
          const h1 = parseInt(hash.slice(0, 8), 16);
          const h2 = (parseInt(hash.slice(8, 16), 16) | 1) >>> 0;
          for (let i = 0; i < filter.hashes; i++) {
            const bit = (h1 + i * h2) % filter.size;
            expected[Math.floor(bit / 8)] |= 1 << (bit % 8);
          }
        }
        expect(Buffer.from(filter.toBytes().subarray(12)).equals(Buffer.from(expected))).toBe(true);
      }
    });
  });

  describe('toBytes() / fromBytes()', () => {
    it('should give back the same answers after a round trip', () => {
      const filter = BloomFilter.forCapacity({ capacity: 1000, falsePositiveRate: 0.01 });
      for (let i = 0; i < 1000; i++) filter.add(member(i));
      const copy = BloomFilter.fromBytes(filter.toBytes());
      expect(copy.byteLength).toBe(filter.byteLength);
      for (let i = 0; i < 2000; i++)
        expect(copy.mightContain(member(i))).toBe(filter.mightContain(member(i)));
    });

    it('should refuse bytes that are not a filter', () => {
      expect(() => BloomFilter.fromBytes(Buffer.from('not a filter at all'))).toThrow(/not a serialised/);
    });
  });
});

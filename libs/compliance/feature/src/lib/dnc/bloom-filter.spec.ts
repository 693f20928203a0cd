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

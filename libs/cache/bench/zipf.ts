/**
 * Deterministic key-distribution helpers shared by every scenario, so that each library sees exactly the same
 * key sequence and the same value objects. The samplers live in `@platform/cache/testing` (the load bench uses
 * them too).
 */
import { mulberry32 } from '../src/lib/testing/zipf';

export { mulberry32, permutation, zipfSampler, zipfSequence } from '../src/lib/testing/zipf';

/** Shape of the ~1 KB benchmark value (a plausible bid/routing record). */
export interface BenchValue {
  id: string;
  version: number;
  name: string;
  active: boolean;
  price: number;
  tags: string[];
  geo: { country: string; region: string; lat: number; lon: number };
  attributes: Record<string, string>;
  notes: string;
}

/**
 * Deterministic value for key index `i`, about `targetBytes` of JSON (default 1 KB). The same objects are
 * handed to every library.
 */
export function makeValue(i: number, targetBytes = 1024): BenchValue {
  const rand = mulberry32(i + 1);
  const attributes: Record<string, string> = {};
  for (let a = 0; a < 8; a++) attributes[`attr_${a}`] = `v${Math.floor(rand() * 1e6)}`;
  const value: BenchValue = {
    id: `item-${i}`,
    version: 1,
    name: `Benchmark item number ${i}`,
    active: i % 3 !== 0,
    price: Math.round(rand() * 100_000) / 100,
    tags: ['alpha', 'beta', 'gamma', 'delta'].slice(0, 1 + (i % 4)),
    geo: { country: 'US', region: `R${i % 50}`, lat: rand() * 90, lon: rand() * 180 },
    attributes,
    notes: '',
  };
  const pad = targetBytes - JSON.stringify(value).length;
  if (pad > 0) value.notes = 'x'.repeat(pad);
  return value;
}

/// <reference types="jest" />
// Jest globals rather than `@jest/globals`: that package is only a transitive dependency of jest here, and
// the lint (`banTransitiveDependencies`) forbids importing it.
import type { CacheDriver } from '../core/driver';
import { keySlot } from '../core/cluster-slots';

/** What a contract-suite factory returns: a ready driver, a unique key prefix, and an optional cleanup. */
export interface DriverContractTarget {
  /** The driver under test, connected. */
  readonly driver: CacheDriver;
  /**
   * A key prefix unique to this run (e.g. `contract:<uuid>:`); every key the suite writes starts with it, and
   * it is deleted with `deleteByPrefix` after the suite. Must not contain a `{hash tag}`, or every key would
   * land in one Cluster slot and the cross-slot checks would prove nothing.
   */
  readonly prefix: string;
  /** Called after the suite (after the prefix was deleted): close clients, stop servers. */
  readonly cleanup?: () => Promise<void>;
}

/**
 * The optional capabilities the driver has (`true`) or lacks (`false`). A capability's tests are registered
 * only for a driver that has it; a driver that lacks it gets one test asserting it is really absent, so every
 * registered test checks something and none is skipped or passes by returning early.
 */
export interface DriverContractCapabilities {
  /** Whether `driver.tags` (the tag index) is implemented. */
  readonly tags: boolean;
  /** Whether `driver.leases` (cross-process leases) is implemented. */
  readonly leases: boolean;
  /** Whether `driver.deleteIfHead` (compare-and-delete) is implemented. */
  readonly compareAndDelete: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (fails after `timeoutMs`): asserts an eventual state without timing it. */
const eventually = async (what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
};

/** A short TTL for expiry tests (the suite waits for expiry by polling, never by timing), and a long one. */
const SHORT_TTL = 150;
const LONG_TTL = 60_000;

/**
 * Registers the store contract suite: Jest `describe`/`it` blocks that exercise every {@link CacheDriver}
 * method and behaviour (round trips, absence, TTL expiry, batch order and gaps, batches of 250 keys over many
 * Cluster slots, delete counts, prefix deletion with glob characters, and the optional tags and leases), so
 * every driver — Redis, Redis Cluster, memory, legacy stores, or one written by another team — is held to the
 * same behaviour. `factory` runs once, in `beforeAll`.
 */
export function registerDriverContractSuite(
  name: string,
  factory: () => Promise<DriverContractTarget>,
  capabilities: DriverContractCapabilities,
): void {
  describe(`CacheDriver contract: ${name}`, () => {
    let target: DriverContractTarget | undefined;
    let sequence = 0;
    const usedTags: string[] = [];

    const driver = (): CacheDriver => {
      if (target === undefined) throw new Error('the contract factory did not produce a driver');
      return target.driver;
    };
    /** A fresh key scope per test, under the run's prefix. */
    const scope = () => `${target?.prefix ?? ''}t${++sequence}:`;
    const many = (base: string, count: number) => Array.from({ length: count }, (_, i) => `${base}k${i}`);

    beforeAll(async () => {
      target = await factory();
    });

    afterAll(async () => {
      if (target === undefined) return;
      try {
        if (target.driver.tags !== undefined && usedTags.length > 0) await target.driver.tags.take(usedTags);
        await target.driver.deleteByPrefix(target.prefix);
      } finally {
        await target.cleanup?.();
      }
    });

    describe('name', () => {
      it('should be a non-empty string', () => {
        expect(typeof driver().name).toBe('string');
        expect(driver().name.length).toBeGreaterThan(0);
      });
    });

    describe('get()', () => {
      it('should return undefined for an absent key', async () => {
        expect(await driver().get(`${scope()}absent`)).toBeUndefined();
      });

      it('should return exactly the string set() stored', async () => {
        const s = scope();
        const values = {
          envelope: JSON.stringify({
            v: { id: 1, name: 'ü € 日本', list: [1, null] },
            e: Date.now() + 1000,
            t: ['x'],
          }),
          plain: 'plain text with "quotes" and \\ backslash',
          glob: '*?[]\\ not a pattern',
          number: '42',
        };
        for (const [label, value] of Object.entries(values))
          await driver().set(`${s}${label}`, value, LONG_TTL);
        for (const [label, value] of Object.entries(values))
          expect(await driver().get(`${s}${label}`)).toBe(value);
      });
    });

    describe('set()', () => {
      it('should overwrite the value and the TTL of an existing key', async () => {
        const s = scope();
        await driver().set(`${s}k`, 'first', SHORT_TTL);
        await driver().set(`${s}k`, 'second', LONG_TTL);
        await driver().set(`${s}short`, 'x', SHORT_TTL);
        await eventually(
          'the short-lived key to expire',
          async () => (await driver().get(`${s}short`)) === undefined,
        );
        expect(await driver().get(`${s}k`)).toBe('second');
      });

      it('should make the value disappear after its TTL, for get, getMany and has', async () => {
        const s = scope();
        await driver().set(`${s}k`, 'v', SHORT_TTL);
        await driver().set(`${s}kept`, 'kept', LONG_TTL);
        expect(await driver().get(`${s}k`)).toBe('v');
        await eventually('the key to expire', async () => (await driver().get(`${s}k`)) === undefined);
        expect(await driver().has(`${s}k`)).toBe(false);
        expect(await driver().getMany([`${s}k`, `${s}kept`])).toEqual([undefined, 'kept']);
      });
    });

    describe('getMany()', () => {
      it('should resolve an empty array for no keys', async () => {
        expect(await driver().getMany([])).toEqual([]);
      });

      it('should return values in the order of the keys, undefined for gaps and repeats answered each time', async () => {
        const s = scope();
        await driver().set(`${s}a`, 'A', LONG_TTL);
        await driver().set(`${s}c`, 'C', LONG_TTL);
        expect(await driver().getMany([`${s}c`, `${s}b`, `${s}a`, `${s}x`, `${s}c`])).toEqual([
          'C',
          undefined,
          'A',
          undefined,
          'C',
        ]);
      });

      it('should read 250 keys spread over many slots, in order', async () => {
        const s = scope();
        const keys = many(s, 250);
        expect(new Set(keys.map(keySlot)).size).toBeGreaterThan(100);
        await Promise.all(keys.map((key, i) => driver().set(key, `v${i}`, LONG_TTL)));
        const asked = [...keys].reverse();
        asked.splice(100, 0, `${s}missing`);
        const expected = keys.map((_, i) => `v${i}`).reverse();
        expected.splice(100, 0, undefined as unknown as string);
        expect(await driver().getMany(asked)).toEqual(expected);
      });
    });

    describe('setMany()', () => {
      it('should accept an empty batch', async () => {
        await expect(driver().setMany([])).resolves.toBeUndefined();
      });

      it('should write 250 entries spread over many slots', async () => {
        const s = scope();
        const keys = many(s, 250);
        await driver().setMany(keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: LONG_TTL })));
        expect(await driver().getMany(keys)).toEqual(keys.map((_, i) => `v${i}`));
        expect(await driver().get(keys[137])).toBe('v137');
      });

      it("should apply each entry's own TTL", async () => {
        const s = scope();
        const keys = many(s, 40);
        await driver().setMany(
          keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: i % 2 === 0 ? SHORT_TTL : LONG_TTL + i })),
        );
        await eventually('the short-lived entries to expire', async () =>
          (await driver().getMany(keys.filter((_, i) => i % 2 === 0))).every((v) => v === undefined),
        );
        expect(await driver().getMany(keys)).toEqual(keys.map((_, i) => (i % 2 === 0 ? undefined : `v${i}`)));
      });
    });

    describe('delete()', () => {
      it('should remove an existing key and resolve true', async () => {
        const s = scope();
        await driver().set(`${s}k`, 'v', LONG_TTL);
        await driver().set(`${s}other`, 'o', LONG_TTL);
        expect(await driver().delete(`${s}k`)).toBe(true);
        expect(await driver().get(`${s}k`)).toBeUndefined();
        expect(await driver().get(`${s}other`)).toBe('o');
      });

      it('should resolve false for an absent key', async () => {
        const s = scope();
        expect(await driver().delete(`${s}absent`)).toBe(false);
        await driver().set(`${s}k`, 'v', LONG_TTL);
        await driver().delete(`${s}k`);
        expect(await driver().delete(`${s}k`)).toBe(false);
      });
    });

    describe('deleteMany()', () => {
      it('should resolve 0 for no keys', async () => {
        expect(await driver().deleteMany([])).toBe(0);
      });

      it('should delete 250 keys over many slots and count only those that existed', async () => {
        const s = scope();
        const keys = many(s, 250);
        await driver().setMany(keys.map((key) => ({ key, value: 'v', ttlMs: LONG_TTL })));
        await driver().set(`${s}survivor`, 's', LONG_TTL);
        const absent = many(`${s}absent:`, 20);
        expect(await driver().deleteMany([...keys, ...absent])).toBe(250);
        expect((await driver().getMany(keys)).every((value) => value === undefined)).toBe(true);
        expect(await driver().get(`${s}survivor`)).toBe('s');
      });
    });

    describe('deleteIfHead()', () => {
      if (!capabilities.compareAndDelete) {
        it('should have no compare-and-delete (the driver is declared without it)', () => {
          expect(driver().deleteIfHead).toBeUndefined();
        });
        return;
      }
      const deleteIfHead = (targets: readonly { key: string; head: string }[]) => {
        const d = driver();
        expect(d.deleteIfHead).toBeDefined();
        return (d.deleteIfHead as NonNullable<CacheDriver['deleteIfHead']>).call(d, targets);
      };

      it('should delete a key whose value starts with the head, and leave one that does not', async () => {
        const s = scope();
        await driver().set(`${s}mine`, '{"w":"a1","v":1}', LONG_TTL);
        await driver().set(`${s}theirs`, '{"w":"b7","v":2}', LONG_TTL);
        expect(
          await deleteIfHead([
            { key: `${s}mine`, head: '{"w":"a1",' },
            { key: `${s}theirs`, head: '{"w":"a1",' },
          ]),
        ).toEqual([true, false]);
        expect(await driver().get(`${s}mine`)).toBeUndefined();
        expect(await driver().get(`${s}theirs`)).toBe('{"w":"b7","v":2}');
      });

      it('should not delete a value written over the one the head names', async () => {
        const s = scope();
        await driver().set(`${s}k`, '{"w":"a1","v":"old"}', LONG_TTL);
        await driver().set(`${s}k`, '{"w":"b1","v":"new"}', LONG_TTL);
        expect(await deleteIfHead([{ key: `${s}k`, head: '{"w":"a1",' }])).toEqual([false]);
        expect(await driver().get(`${s}k`)).toBe('{"w":"b1","v":"new"}');
      });

      it('should compare the whole head: a value shorter than it, or equal to a part of it, is kept', async () => {
        const s = scope();
        await driver().set(`${s}short`, '{"w":"a', LONG_TTL);
        await driver().set(`${s}longer-id`, '{"w":"a12","v":1}', LONG_TTL);
        expect(
          await deleteIfHead([
            { key: `${s}short`, head: '{"w":"a1",' },
            { key: `${s}longer-id`, head: '{"w":"a1",' },
          ]),
        ).toEqual([false, false]);
        expect(await driver().get(`${s}short`)).toBe('{"w":"a');
        expect(await driver().get(`${s}longer-id`)).toBe('{"w":"a12","v":1}');
      });

      it('should resolve false for an absent key and never match an empty head', async () => {
        const s = scope();
        await driver().set(`${s}k`, 'value', LONG_TTL);
        expect(
          await deleteIfHead([
            { key: `${s}absent`, head: 'v' },
            { key: `${s}k`, head: '' },
          ]),
        ).toEqual([false, false]);
        expect(await driver().get(`${s}k`)).toBe('value');
      });

      it('should work on 100 keys spread over many slots, answering in order', async () => {
        const s = scope();
        const keys = many(s, 100);
        await driver().setMany(keys.map((key, i) => ({ key, value: `{"w":"${i}","v":0}`, ttlMs: LONG_TTL })));
        // Even positions name their own write, odd ones another write.
        const answers = await deleteIfHead(
          keys.map((key, i) => ({ key, head: `{"w":"${i % 2 === 0 ? i : 'other'}",` })),
        );
        expect(answers).toEqual(keys.map((_, i) => i % 2 === 0));
        expect((await driver().getMany(keys)).map((value) => value !== undefined)).toEqual(
          keys.map((_, i) => i % 2 === 1),
        );
        expect(new Set(keys.map((key) => keySlot(key))).size).toBeGreaterThan(1);
      });
    });

    describe('has()', () => {
      it('should tell a present key from an absent one', async () => {
        const s = scope();
        await driver().set(`${s}k`, 'v', LONG_TTL);
        expect(await driver().has(`${s}k`)).toBe(true);
        expect(await driver().has(`${s}absent`)).toBe(false);
      });
    });

    describe('deleteByPrefix()', () => {
      it('should delete only the keys under the prefix and resolve how many', async () => {
        const s = scope();
        const inside = many(`${s}a:`, 30);
        const outside = [`${s}ab:k0`, `${s}a`, `${s}b:k1`, `${s}A:k2`, `x${s}a:k3`];
        await driver().setMany([...inside, ...outside].map((key) => ({ key, value: 'v', ttlMs: LONG_TTL })));
        try {
          expect(await driver().deleteByPrefix(`${s}a:`)).toBe(30);
          expect((await driver().getMany(inside)).every((value) => value === undefined)).toBe(true);
          expect(await driver().getMany(outside)).toEqual(outside.map(() => 'v'));
        } finally {
          await driver().delete(`x${s}a:k3`);
        }
      });

      it('should treat glob characters in the prefix literally', async () => {
        const s = scope();
        const prefix = `${s}g?[ab]*\\:`;
        const inside = [`${prefix}1`, `${prefix}2`];
        // Each of these would match the prefix if it were used as an unescaped glob pattern.
        const outside = [`${s}gXb:1`, `${s}gXaZZZ:2`, `${s}g?[ab]Z\\:3`, `${s}gX[ab]*\\:4`];
        await driver().setMany([...inside, ...outside].map((key) => ({ key, value: 'v', ttlMs: LONG_TTL })));
        expect(await driver().deleteByPrefix(prefix)).toBe(2);
        expect(await driver().getMany(inside)).toEqual([undefined, undefined]);
        expect(await driver().getMany(outside)).toEqual(outside.map(() => 'v'));
      });

      it('should delete more keys than one scan step returns', async () => {
        const s = scope();
        const keys = many(s, 1200);
        await driver().setMany(keys.map((key) => ({ key, value: 'v', ttlMs: LONG_TTL })));
        expect(await driver().deleteByPrefix(s)).toBe(1200);
        expect((await driver().getMany(keys)).filter((value) => value !== undefined)).toEqual([]);
      });

      it('should resolve 0 when no key matches', async () => {
        expect(await driver().deleteByPrefix(`${scope()}nothing:`)).toBe(0);
      });
    });

    describe('tags', () => {
      if (!capabilities.tags) {
        it('should have no tag index (the driver is declared without tags)', () => {
          expect(driver().tags).toBeUndefined();
        });
        return;
      }
      const tagIndex = () => {
        const tags = driver().tags;
        expect(tags).toBeDefined();
        return tags as NonNullable<CacheDriver['tags']>;
      };
      const tag = (s: string, label: string) => {
        const full = `${s}tag:${label}`;
        usedTags.push(full);
        return full;
      };

      it('should return the union of the keys recorded for the tags, without duplicates', async () => {
        const tags = tagIndex();
        const s = scope();
        const [red, blue, none] = [tag(s, 'red'), tag(s, 'blue'), tag(s, 'none')];
        await tags.add(`${s}k1`, [red, blue], LONG_TTL);
        await tags.add(`${s}k2`, [blue], LONG_TTL);
        await tags.add(`${s}k3`, [red], LONG_TTL);
        expect((await tags.take([red, blue, none])).sort()).toEqual([`${s}k1`, `${s}k2`, `${s}k3`]);
      });

      it('should forget the tags it took, and only those', async () => {
        const tags = tagIndex();
        const s = scope();
        const [red, blue] = [tag(s, 'red'), tag(s, 'blue')];
        await tags.add(`${s}k1`, [red], LONG_TTL);
        await tags.add(`${s}k2`, [blue], LONG_TTL);
        expect(await tags.take([red])).toEqual([`${s}k1`]);
        expect(await tags.take([red])).toEqual([]);
        expect(await tags.take([blue])).toEqual([`${s}k2`]);
      });

      it('should return an empty list for an unknown tag', async () => {
        const tags = tagIndex();
        expect(await tags.take([tag(scope(), 'unknown')])).toEqual([]);
      });

      /** Waits until a value written now with {@link SHORT_TTL} has expired, i.e. SHORT_TTL has passed. */
      const waitShortTtl = async (s: string) => {
        await driver().set(`${s}marker`, 'x', SHORT_TTL);
        await eventually('a short-lived marker to expire', async () => !(await driver().has(`${s}marker`)));
        await sleep(50);
      };

      it('should never shorten the life of a tag set (a later, shorter add keeps the longer TTL)', async () => {
        const tags = tagIndex();
        const s = scope();
        const [long, short] = [tag(s, 'long'), tag(s, 'short')];
        await tags.add(`${s}k1`, [long], LONG_TTL);
        await tags.add(`${s}k2`, [long, short], SHORT_TTL);
        await waitShortTtl(s);
        expect((await tags.take([long])).sort()).toEqual([`${s}k1`, `${s}k2`]);
        expect(await tags.take([short])).toEqual([]);
      });

      it('should let a tag set expire once its longest TTL has passed', async () => {
        const tags = tagIndex();
        const s = scope();
        const expiring = tag(s, 'expiring');
        await tags.add(`${s}k1`, [expiring], SHORT_TTL);
        await tags.add(`${s}k2`, [expiring], SHORT_TTL / 2);
        await waitShortTtl(s);
        expect(await tags.take([expiring])).toEqual([]);
      });
    });

    describe('leases', () => {
      if (!capabilities.leases) {
        it('should have no leases (the driver is declared without leases)', () => {
          expect(driver().leases).toBeUndefined();
        });
        return;
      }
      const leaseProvider = () => {
        const leases = driver().leases;
        expect(leases).toBeDefined();
        return leases as NonNullable<CacheDriver['leases']>;
      };

      it('should grant a lease to one token at a time', async () => {
        const leases = leaseProvider();
        const key = `${scope()}lease`;
        expect(await leases.isHeld(key)).toBe(false);
        expect(await leases.acquire(key, 'token-a', LONG_TTL)).toBe(true);
        expect(await leases.acquire(key, 'token-b', LONG_TTL)).toBe(false);
        expect(await leases.acquire(key, 'token-a', LONG_TTL)).toBe(false);
        expect(await leases.isHeld(key)).toBe(true);
      });

      it('should grant exactly one of many concurrent acquisitions', async () => {
        const leases = leaseProvider();
        const key = `${scope()}lease`;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => leases.acquire(key, `token-${i}`, LONG_TTL)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('should release only for the token that holds the lease', async () => {
        const leases = leaseProvider();
        const key = `${scope()}lease`;
        await leases.acquire(key, 'token-a', LONG_TTL);
        await leases.release(key, 'token-b');
        expect(await leases.isHeld(key)).toBe(true);
        expect(await leases.acquire(key, 'token-b', LONG_TTL)).toBe(false);
        await leases.release(key, 'token-a');
        expect(await leases.isHeld(key)).toBe(false);
        expect(await leases.acquire(key, 'token-b', LONG_TTL)).toBe(true);
      });

      it('should expire after its TTL so another token can take it', async () => {
        const leases = leaseProvider();
        const key = `${scope()}lease`;
        expect(await leases.acquire(key, 'token-a', SHORT_TTL)).toBe(true);
        await eventually('the lease to expire', async () => !(await leases.isHeld(key)));
        expect(await leases.acquire(key, 'token-b', LONG_TTL)).toBe(true);
        await leases.release(key, 'token-a'); // a late release by the old holder must not free the new one
        expect(await leases.isHeld(key)).toBe(true);
      });

      it('should not touch a cached value stored at the same key', async () => {
        const leases = leaseProvider();
        const s = scope();
        await driver().set(`${s}k`, 'value', LONG_TTL);
        expect(await leases.acquire(`${s}k`, 'token', LONG_TTL)).toBe(true);
        expect(await driver().get(`${s}k`)).toBe('value');
        expect(await leases.acquire(`${s}free`, 'token', LONG_TTL)).toBe(true);
        expect(await driver().get(`${s}free`)).toBeUndefined();
        await leases.release(`${s}k`, 'token');
        expect(await driver().get(`${s}k`)).toBe('value');
        expect(await leases.isHeld(`${s}k`)).toBe(false);
      });
    });
  });
}

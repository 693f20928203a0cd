/// <reference types="jest" />
// Jest globals rather than `@jest/globals`: that package is only a transitive dependency of jest here, and
// the lint (`banTransitiveDependencies`) forbids importing it.
import type { CacheDriver } from '../core/driver';
import { keySlot } from '../core/cluster-slots';
import { eventually, LONG_TTL, SHORT_TTL } from './contract-helpers';
import { registerLeaseContract, registerTagContract } from './driver-contract-optional';

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

    registerTagContract({ driver, scope, usedTags }, capabilities.tags);
    registerLeaseContract({ driver, scope }, capabilities.leases);
  });
}

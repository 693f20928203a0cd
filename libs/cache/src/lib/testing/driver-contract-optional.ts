/// <reference types="jest" />
// The optional parts of the driver contract (see driver-contract.ts): registered when a driver declares them,
// otherwise one test asserting the part is really absent.
import type { CacheDriver } from '../core/driver';
import { eventually, LONG_TTL, SHORT_TTL, sleep } from './contract-helpers';

/** What the optional suites need from the main one: the driver, a fresh key scope per test. */
export interface ContractScope {
  readonly driver: () => CacheDriver;
  readonly scope: () => string;
}

/** The tag index suite (`driver.tags`); the tags it writes are pushed to `usedTags` for the cleanup. */
export function registerTagContract(
  { driver, scope, usedTags }: ContractScope & { readonly usedTags: string[] },
  hasTags: boolean,
): void {
  describe('tags', () => {
    if (!hasTags) {
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
}

/** The cross-process lease suite (`driver.leases`). */
export function registerLeaseContract({ driver, scope }: ContractScope, hasLeases: boolean): void {
  describe('leases', () => {
    if (!hasLeases) {
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
}

/**
 * A small "bid" domain for the Nest cache specs: an in-memory repository that counts its calls (the database
 * stand-in, shared by several app instances to play one database) and a service whose methods carry the
 * cache decorators the specs exercise.
 */
import { Inject, Injectable, type ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { CacheModule } from '../cache.module';
import type { CacheModuleOptions } from '../interfaces/cache-module-options.interface';
import { CacheEvict } from '../decorators/cache-evict.decorator';
import { CachePut } from '../decorators/cache-put.decorator';
import { Cacheable } from '../decorators/cacheable.decorator';

/** A stored bid. */
export interface Bid {
  readonly id: string;
  readonly buyerId: string;
  readonly amount: number;
}

/** Injection token of the shared {@link BidStore}. */
export const BID_STORE = Symbol('fixture.bidStore');

/** The database stand-in: a map, call counters, an optional gate that holds loads, an optional failure. */
export class BidStore {
  readonly rows = new Map<string, Bid>();
  readonly calls = new Map<string, number>();
  readonly args: [string, unknown][] = [];
  /** While set, loads wait for it (to pile up concurrent callers). */
  gate: Promise<void> | undefined;
  /** While set, loads throw it. */
  failure: Error | undefined;

  /** How many times `method` ran. */
  count(method: string): number {
    return this.calls.get(method) ?? 0;
  }

  /** Records a call (and its argument, in `args`), waits for the gate, throws the failure if any. */
  async hit(method: string, arg?: unknown): Promise<void> {
    if (arg !== undefined) this.args.push([method, arg]);
    this.calls.set(method, this.count(method) + 1);
    if (this.gate !== undefined) await this.gate;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Closes the gate; returns the function that opens it. */
  hold(): () => void {
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => (open = resolve));
    return () => {
      this.gate = undefined;
      open();
    };
  }
}

/** The service under test: every cache decorator in one place. */
@Injectable()
export class BidsService {
  constructor(@Inject(BID_STORE) private readonly store: BidStore) {}

  @Cacheable({ key: 'bid:{id}' })
  async findBid(id: string): Promise<Bid | null> {
    await this.store.hit('findBid');
    return this.store.rows.get(id) ?? null;
  }

  @Cacheable({ key: 'bids:buyer:{buyer.id}:active', tags: ['buyer:{buyer.id}'] })
  async activeBids(buyer: { id: string }): Promise<Bid[]> {
    await this.store.hit('activeBids');
    return [...this.store.rows.values()].filter((bid) => bid.buyerId === buyer.id);
  }

  @Cacheable({
    key: 'bid:{id}',
    condition: (_id: string, options?: { fresh?: boolean }) => options?.fresh !== true,
    unless: (bid: Bid | null) => bid === null,
  })
  async findBidFiltered(id: string, options?: { fresh?: boolean }): Promise<Bid | null> {
    void options;
    await this.store.hit('findBidFiltered');
    return this.store.rows.get(id) ?? null;
  }

  @Cacheable({ key: 'slow:{id}' })
  async slowBid(id: string): Promise<{ id: string; loads: number }> {
    await this.store.hit('slowBid');
    return { id, loads: this.store.count('slowBid') };
  }

  @Cacheable({ key: 'swr:{id}', ttl: '1h', swr: '50ms' })
  async swrBid(id: string): Promise<Bid | null> {
    await this.store.hit('swrBid');
    return this.store.rows.get(id) ?? null;
  }

  @Cacheable({ key: 'grace:{id}', ttl: { l1: '100ms', l2: '100ms' }, grace: '1h' })
  async graceBid(id: string): Promise<Bid | null> {
    await this.store.hit('graceBid');
    return this.store.rows.get(id) ?? null;
  }

  @CachePut({ key: 'bid:{id}' })
  async updateAmount(id: string, amount: number): Promise<Bid> {
    await this.store.hit('updateAmount');
    const bid = { ...(this.store.rows.get(id) as Bid), amount };
    this.store.rows.set(id, bid);
    return bid;
  }

  @CachePut({ key: 'bid:{result.id}', tags: ['buyer:{result.buyerId}'] })
  async createBid(dto: { buyerId: string; amount: number }): Promise<Bid> {
    await this.store.hit('createBid');
    const bid = { id: `n${this.store.rows.size + 1}`, ...dto };
    this.store.rows.set(bid.id, bid);
    return bid;
  }

  @CacheEvict({ keys: ['bid:{id}'] })
  async deleteBid(id: string): Promise<boolean> {
    await this.store.hit('deleteBid');
    return this.store.rows.delete(id);
  }

  @CacheEvict({ keys: ['bid:{id}'], beforeInvocation: true })
  async deleteBidBefore(id: string): Promise<void> {
    await this.store.hit('deleteBidBefore', id);
  }

  @CacheEvict({ keys: ['bid:{id}'] })
  async deleteBidAfter(id: string): Promise<void> {
    await this.store.hit('deleteBidAfter', id);
  }

  @CacheEvict({ tags: ['buyer:{buyerId}'] })
  async buyerChanged(buyerId: string): Promise<void> {
    await this.store.hit('buyerChanged', buyerId);
  }

  @CacheEvict({ namespace: 'bids' })
  async resetLists(): Promise<void> {
    await this.store.hit('resetLists');
  }
}

/** A Nest application around the fixture service, with `CacheModule.forRoot(options)`. */
export async function createBidsApp(
  options: CacheModuleOptions,
  store: BidStore,
  extra: Pick<ModuleMetadata, 'imports' | 'providers' | 'controllers'> = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot(options), ...(extra.imports ?? [])],
    providers: [BidsService, { provide: BID_STORE, useValue: store }, ...(extra.providers ?? [])],
    controllers: extra.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
